package parser

// globalTopKeywords: the top-level global keywords and the global_defs block
// itself (net_namespace, instance, use_pid_dir, ...). Owned by the core.
func globalTopKeywords() Table { return Table{} }

// globalDefsKeywords: the non-VRRP, non-LVS keywords of global_defs.
func globalDefsKeywords() Table { return Table{} }

func validateGlobal(c *Ctx) {}
