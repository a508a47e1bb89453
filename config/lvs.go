package config

// LVS is the checker/IPVS side of a configuration.
type LVS struct{}

// LVSGlobal is the LVS part of global_defs.
type LVSGlobal struct{}
