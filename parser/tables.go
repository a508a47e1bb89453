package parser

// keyword tables are assembled from three owners so that each side of the
// language lives in its own files: the core (global_defs and top-level
// global keywords, global.go), the VRRP side (vrrp*.go) and the LVS side
// (lvs*.go, check*.go).

// topTable is every keyword valid at the top level of keepalived.conf.
func topTable() table {
	t := table{}
	merge(t, globalTopKeywords())
	merge(t, vrrpTopKeywords())
	merge(t, lvsTopKeywords())
	return t
}

// globalDefsTable is every keyword valid inside global_defs.
func globalDefsTable() table {
	t := table{}
	merge(t, globalDefsKeywords())
	merge(t, vrrpGlobalKeywords())
	merge(t, lvsGlobalKeywords())
	return t
}

func merge(dst, src table) {
	for name, kw := range src {
		if kw.Name == "" {
			kw.Name = name
		}
		dst[name] = kw
	}
}
