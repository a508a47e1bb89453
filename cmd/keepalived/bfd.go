package main

import "github.com/dsas/keepalived-go/config"

// bfdPIDPath is the BFD child's pid file, chosen as pidPaths chooses the
// others: -b, else under /run/keepalived/ with the instance name or with
// use_pid_dir, else /run/bfd.pid.
func bfdPIDPath(o Options, cfg *config.Config) string {
	switch inst := instanceName(o, cfg); {
	case o.BFDPIDFile != "":
		return o.BFDPIDFile
	case inst != "":
		return "/run/keepalived/bfd_" + inst + ".pid"
	case cfg.Global.UsePIDDir:
		return "/run/keepalived/bfd.pid"
	}
	return "/run/bfd.pid"
}
