package parser

// lvsTopKeywords: SSL, virtual_server_group, virtual_server (with
// real_server and every checker).
func lvsTopKeywords() Table { return Table{} }

// lvsGlobalKeywords: the LVS keywords of global_defs (lvs_timeouts,
// lvs_sync_daemon, lvs_flush, ...).
func lvsGlobalKeywords() Table { return Table{} }

// validateLVS applies keepalived's validate_check_config fix-ups and checks.
func validateLVS(c *Ctx) {}
