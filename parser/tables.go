package parser

// keyword tables are assembled from three owners so that each side of the
// language lives in its own files: the core (global_defs and top-level
// global keywords, global.go), the VRRP side (vrrp*.go) and the LVS side
// (lvs*.go, check*.go).

// topTable is every keyword valid at the top level of keepalived.conf.
func topTable() table {
	return tables(globalTopKeywords(), vrrpTopKeywords(), lvsTopKeywords(), bgpTopKeywords())
}

// globalDefsTable is every keyword valid inside global_defs.
func globalDefsTable() table {
	return tables(globalDefsKeywords(), vrrpGlobalKeywords(), lvsGlobalKeywords())
}

// tables merges parts into one table; a later part wins a name.
func tables(parts ...table) table {
	t := table{}
	for _, p := range parts {
		merge(t, p)
	}
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
