package parser

// vrrpTopKeywords: every VRRP-side top-level block (static_*, vrrp_script,
// vrrp_track_process, track_file, bfd_instance, vrrp_sync_group,
// vrrp_instance, garp_group, track_group, linkbeat_interfaces, ...).
func vrrpTopKeywords() Table { return Table{} }

// vrrpGlobalKeywords: the VRRP defaults set in global_defs (vrrp_version,
// vrrp_garp_*, vrrp_strict, vrrp_mcast_group4, ...).
func vrrpGlobalKeywords() Table { return Table{} }

// validateVRRP completes and checks instances after parsing
// (keepalived's vrrp_complete_instance).
func validateVRRP(c *Ctx) {}
