package config

// VRRP is the VRRP side of a configuration.
type VRRP struct{}
