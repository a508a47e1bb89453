package config

// Global is global_defs plus the top-level global keywords.
// Owned by the parser core; LVS-specific global keywords live in LVSGlobal.
type Global struct {
	RouterID string
	// LVS is the LVS part of global_defs (lvs_timeouts, lvs_sync_daemon, ...).
	LVS LVSGlobal
}
