package parser

// global_defs and the top-level global keywords (notes §4.1, §4.2:
// identity/mail, process, FIFO, SNMP, DBus groups), after
// keepalived/core/global_parser.c of 2.2.7. Keywords that Debian's 2.2.7
// build lacks (linkbeat_use_polling: no _WITH_LINKBEAT_) are left out so
// that they are unknown, as there.

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dsas/keepalived-go/config"
)

// taskCommLen is the kernel's limit on process names (15 characters).
const taskCommLen = 16

func glb(c *ctx) *config.Global { return &c.Cfg.Global }

// glNamedOnce is net_namespace or instance: a name given once, which also
// moves pid files to their own directory; then, if set, runs after.
func glNamedOnce(name func(g *config.Global) *string, then func(c *ctx, a token)) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if len(args) == 0 {
			c.Report(kw.Pos, generalError, "%s name missing - ignoring", kw.Text)
			return
		}
		p := name(glb(c))
		if *p != "" {
			c.Report(kw.Pos, generalError, "Duplicate %s definition %s - ignoring", kw.Text, args[0].Text)
			return
		}
		*p = args[0].Text
		glb(c).UsePIDDir = true
		if then != nil {
			then(c, args[0])
		}
	}}
}

// globalTopKeywords: the top-level global keywords and the global_defs
// block itself.
func globalTopKeywords() table {
	return table{
		"global_defs": {Kind: kwBlock, Sub: globalDefsTable()},
		"net_namespace": glNamedOnce(func(g *config.Global) *string { return &g.NetNamespace }, func(c *ctx, a token) {
			c.core.netnsPos = a.Pos
		}),
		"net_namespace_ipvs": {Handle: func(c *ctx, kw token, args []token) {
			if glb(c).NetNamespaceIPVSSet {
				if c.Require(kw, args, 1) {
					c.Report(kw.Pos, generalError, "Duplicate net_namespace_ipvs definition %s - ignoring", args[0].Text)
				}
				return
			}
			glb(c).NetNamespaceIPVSSet = true
			if len(args) > 0 {
				glb(c).NetNamespaceIPVS = args[0].Text
			}
			// keepalived-go programs IPVS through the sockets of its own
			// namespace only; any other namespace is refused rather than
			// silently used as ours. (No argument means the default
			// namespace, ours when there is no net_namespace.)
			if ns := glb(c).NetNamespace; glb(c).NetNamespaceIPVS != ns {
				c.Report(kw.Pos, generalError, "net_namespace_ipvs %s is not supported by keepalived-go: IPVS is programmed in keepalived-go's own network namespace (%s); run keepalived-go in that namespace instead",
					orDefaultNS(glb(c).NetNamespaceIPVS), orDefaultNS(ns))
			}
		}},
		"namespace_with_ipsets": {Handle: func(c *ctx, _ token, _ []token) { glb(c).NamespaceWithIPSets = true }},
		"use_pid_dir":           {Handle: func(c *ctx, _ token, _ []token) { glb(c).UsePIDDir = true }},
		"instance":              glNamedOnce(func(g *config.Global) *string { return &g.Instance }, nil),
		"child_wait_time": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.kaUnsigned(args[0], 0, 1<<32-1, false)
			if !ok {
				c.Report(kw.Pos, generalError, "Invalid child_wait_time %s", args[0].Text)
				return
			}
			glb(c).ChildWaitTime = time.Duration(n) * time.Second
		}},
	}
}

// globalDefsKeywords: the non-VRRP, non-LVS keywords of global_defs.
func globalDefsKeywords() table {
	return tables(
		glIdentityKeywords(),
		glEmailKeywords(),
		glScriptKeywords(),
		glHostKeywords(),
		glFIFOKeywords(),
		glSNMPKeywords(),
		glReloadKeywords(),
		glProcessTuningKeywords(),
	)
}

// glIdentityKeywords: process names and the router id.
func glIdentityKeywords() table {
	return table{
		"process_names": {Handle: func(c *ctx, _ token, _ []token) {
			glb(c).ProcessNames = true
			glb(c).VRRPProcessName, glb(c).CheckerProcessName, glb(c).BFDProcessName = "keepalived_vrrp", "keepalived_lvs", "keepalived_bfd"
		}},
		"process_name":         glProcessName(func(gl *config.Global) *string { return &gl.ProcessName }),
		"vrrp_process_name":    glProcessName(func(gl *config.Global) *string { return &gl.VRRPProcessName }),
		"checker_process_name": glProcessName(func(gl *config.Global) *string { return &gl.CheckerProcessName }),
		"lvs_process_name":     glDeprecated("checker_process_name", glProcessName(func(gl *config.Global) *string { return &gl.CheckerProcessName })),
		"bfd_process_name":     glProcessName(func(gl *config.Global) *string { return &gl.BFDProcessName }),
		"router_id":            glString("routerid name missing - ignoring", func(gl *config.Global) *string { return &gl.RouterID }),
	}
}

// glEmailKeywords: SMTP alerts and who gets them.
func glEmailKeywords() table {
	return table{
		"notification_email_from": glString("emailfrom missing - ignoring", func(gl *config.Global) *string {
			return &gl.NotificationEmailFrom
		}),
		"smtp_server": {Handle: glSMTPServer},
		"smtp_helo_name": {Handle: func(c *ctx, _ token, args []token) {
			if len(args) > 0 {
				glb(c).SMTPHeloName = args[0].Text
			}
		}},
		"smtp_connect_timeout": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.kaUnsigned(args[0], 0, 1<<32/1000000, true)
			if !ok {
				c.Report(args[0].Pos, generalError, "smtp_connect_timeout '%s' must be in [0, %d] - ignoring", args[0].Text, 1<<32/1000000)
				return
			}
			if n == 0 {
				c.Report(args[0].Pos, generalError, "smtp_conect_timeout must be greater than 0, setting to 1")
				n = 1
			}
			glb(c).SMTPConnectTimeout = time.Duration(n) * time.Second
		}},
		"notification_email": {Kind: kwWordBlock, Words: func(c *ctx, words []token) {
			if len(words) == 0 {
				c.Report(c.core.posNow(), generalError, "Warning - empty notification_email block")
				return
			}
			for _, w := range words {
				glb(c).NotificationEmail = append(glb(c).NotificationEmail, w.Text)
			}
		}},
		"smtp_alert":               glOptBool("global smtp_alert", func(gl *config.Global) *config.OptBool { return &gl.SMTPAlert }),
		"smtp_alert_vrrp":          glOptBool("global smtp_alert_vrrp", func(gl *config.Global) *config.OptBool { return &gl.SMTPAlertVRRP }),
		"smtp_alert_checker":       glOptBool("global smtp_alert_checker", func(gl *config.Global) *config.OptBool { return &gl.SMTPAlertChecker }),
		"checker_log_all_failures": glFlagBool("checker_log_all_failures", func(gl *config.Global) *bool { return &gl.CheckerLogAllFailures }),
		"rs_init_notifies":         glFlagBool("rs_init_notifies", func(gl *config.Global) *bool { return &gl.RSInitNotifies }),
		"no_checker_emails":        glFlagBool("no_checker_emails", func(gl *config.Global) *bool { return &gl.NoCheckerEmails }),
		"data_use_instance":        glFlagBool("global date_use_instance", func(gl *config.Global) *bool { return &gl.DataUseInstance }),
		"no_email_faults":          glFlag(func(gl *config.Global) *bool { return &gl.NoEmailFaults }),
	}
}

// glScriptKeywords: startup/shutdown scripts and script security.
func glScriptKeywords() table {
	return table{
		"startup_script":          startStopScript(true),
		"shutdown_script":         startStopScript(false),
		"startup_script_timeout":  startStopTimeout(true),
		"shutdown_script_timeout": startStopTimeout(false),
		"script_user": {Handle: func(c *ctx, kw token, args []token) {
			if len(args) == 0 {
				c.Report(kw.Pos, generalError, "No script username specified")
				return
			}
			grp := ""
			if len(args) > 1 {
				grp = args[1].Text
			}
			glb(c).ScriptUser, glb(c).ScriptGroup = args[0].Text, grp
			if !c.setScriptUser(args[0].Text, grp) {
				c.Report(kw.Pos, generalError, "Error setting global script uid/gid")
			}
		}},
		"enable_script_security": glFlag(func(gl *config.Global) *bool { return &gl.EnableScriptSecurity }),
		"umask":                  {Handle: umaskHandler},
	}
}

// glHostKeywords: automatic priorities and interface handling.
func glHostKeywords() table {
	return table{
		"max_auto_priority": {Handle: func(c *ctx, _ token, args []token) {
			if len(args) == 0 {
				glb(c).MaxAutoPriority = 99
				return
			}
			n, ok := c.kaInt(args[0], -1, 99, true)
			if !ok {
				c.Report(args[0].Pos, generalError, "max_auto_priority '%s' must be in [0, 99] (or -1 to disable) - ignoring", args[0].Text)
				return
			}
			glb(c).MaxAutoPriority = int(n)
		}},
		"min_auto_priority_delay": {Handle: func(c *ctx, kw token, args []token) {
			if len(args) == 0 {
				c.Report(kw.Pos, generalError, "min_auto_priority_delay requires delay time")
				return
			}
			n, ok := c.kaInt(args[0], 1, 10000000, true)
			if !ok {
				c.Report(args[0].Pos, generalError, "min_auto_priority_delay '%s' must be in [1, 10000000] - ignoring", args[0].Text)
				return
			}
			glb(c).MinAutoPriorityDelay = time.Duration(n) * time.Microsecond
		}},
		"dynamic_interfaces": {Handle: func(c *ctx, _ token, args []token) {
			glb(c).DynamicInterfaces = true
			if len(args) > 0 {
				if args[0].Text == "allow_if_changes" {
					glb(c).AllowIfChanges = true
				} else {
					c.Report(args[0].Pos, generalError, "Unknown dynamic_interfaces option '%s'", args[0].Text)
				}
			}
		}},
		"default_interface": glString("default_interface requires interface name", func(gl *config.Global) *string { return &gl.DefaultInterface }),
		"disable_local_igmp": {Handle: func(c *ctx, kw token, _ []token) {
			const f = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports"
			if !glWritable(f) {
				c.Report(kw.Pos, generalError, "kernel does not support %s", f)
				return
			}
			glb(c).DisableLocalIGMP = true
		}},
	}
}

// glFIFOKeywords: the notify FIFOs and their scripts.
func glFIFOKeywords() table {
	return table{
		"notify_fifo":             notifyFIFO("", func(gl *config.Global) *config.FIFO { return &gl.NotifyFIFO }),
		"notify_fifo_script":      notifyFIFOScript("", func(gl *config.Global) *config.FIFO { return &gl.NotifyFIFO }),
		"vrrp_notify_fifo":        notifyFIFO("vrrp_", func(gl *config.Global) *config.FIFO { return &gl.VRRPNotifyFIFO }),
		"vrrp_notify_fifo_script": notifyFIFOScript("vrrp_", func(gl *config.Global) *config.FIFO { return &gl.VRRPNotifyFIFO }),
		"lvs_notify_fifo":         notifyFIFO("lvs_", func(gl *config.Global) *config.FIFO { return &gl.LVSNotifyFIFO }),
		"lvs_notify_fifo_script":  notifyFIFOScript("lvs_", func(gl *config.Global) *config.FIFO { return &gl.LVSNotifyFIFO }),
	}
}

// glSNMPKeywords: SNMP and D-Bus.
func glSNMPKeywords() table {
	return table{
		"snmp_socket": {Handle: func(c *ctx, kw token, args []token) {
			switch {
			case len(args) > 1:
				c.Report(kw.Pos, generalError, "Too many parameters specified for snmp_socket - ignoring")
			case len(args) == 0:
				c.Report(kw.Pos, generalError, "SNMP error : snmp socket name missing")
			case len(args[0].Text) > 4095:
				c.Report(kw.Pos, generalError, "SNMP error : snmp socket name too long - ignored")
			case glb(c).SNMPSocket != "":
				c.Report(kw.Pos, generalError, "SNMP socket already set to %s - ignoring", glb(c).SNMPSocket)
			default:
				glb(c).SNMPSocket = args[0].Text
			}
		}},
		"enable_traps":           glFlag(func(gl *config.Global) *bool { return &gl.EnableTraps }),
		"enable_snmp_vrrp":       glFlag(func(gl *config.Global) *bool { return &gl.EnableSNMPVRRP }),
		"enable_snmp_keepalived": glFlag(func(gl *config.Global) *bool { return &gl.EnableSNMPVRRP }),
		"enable_snmp_checker":    glFlag(func(gl *config.Global) *bool { return &gl.EnableSNMPChecker }),
		"enable_snmp_rfc": {Handle: func(c *ctx, _ token, _ []token) {
			glb(c).EnableSNMPRFC, glb(c).EnableSNMPRFCv2, glb(c).EnableSNMPRFCv3 = true, true, true
		}},
		"enable_snmp_rfcv2": glFlag(func(gl *config.Global) *bool { return &gl.EnableSNMPRFCv2 }),
		"enable_snmp_rfcv3": glFlag(func(gl *config.Global) *bool { return &gl.EnableSNMPRFCv3 }),
		"enable_dbus":       glFlag(func(gl *config.Global) *bool { return &gl.EnableDBus }),
		"dbus_service_name": glString("dbus_service_name missing - ignoring", func(gl *config.Global) *string { return &gl.DBusServiceName }),
	}
}

// glReloadKeywords: reloads, saved configurations and the random seed.
func glReloadKeywords() table {
	return table{
		"random_seed": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.kaUnsigned(args[0], 0, 1<<32-1, false)
			if !ok {
				c.Report(args[0].Pos, generalError, "random_seed %s invalid", args[0].Text)
				return
			}
			glb(c).RandomSeed, glb(c).RandomSeedSet = uint32(n), true
		}},
		"reload_check_config": {Handle: func(c *ctx, _ token, args []token) {
			glb(c).ReloadCheckConfig = "/dev/null"
			if len(args) > 0 {
				glb(c).ReloadCheckConfig = args[0].Text
			}
		}},
		"reload_time_file": {Handle: func(c *ctx, kw token, args []token) {
			if len(args) != 1 {
				c.Report(kw.Pos, generalError, "reload_time_file invalid")
				return
			}
			glb(c).ReloadTimeFile = args[0].Text
		}},
		"reload_repeat": glFlag(func(gl *config.Global) *bool { return &gl.ReloadRepeat }),
		"reload_file": {Handle: func(c *ctx, _ token, args []token) {
			glb(c).ReloadFile = "/run/keepalived.reload"
			if len(args) > 0 {
				glb(c).ReloadFile = args[0].Text
			}
		}},
		"include_check": {Handle: includeCheck},
		"config_save_dir": {Handle: func(c *ctx, kw token, args []token) {
			if !c.Require(kw, args, 1) {
				return
			}
			glb(c).ConfigSaveDir = strings.TrimSuffix(args[0].Text, "/")
		}},
		"tmp_config_directory": {Handle: func(c *ctx, kw token, args []token) {
			switch {
			case glb(c).TmpConfigDirectory != "":
				c.Report(kw.Pos, generalError, "%s already specified - ignoring", kw.Text)
			case len(args) == 0:
				c.Report(kw.Pos, generalError, "%s missing directory name", kw.Text)
			default:
				glb(c).TmpConfigDirectory = args[0].Text
			}
		}},
	}
}

// glProcessTuningKeywords: the scheduling of each child process
// (vrrp_, checker_, bfd_ priority, no_swap, rt_priority, cpu_affinity,
// rlimit_rttime).
func glProcessTuningKeywords() table {
	t := table{}
	for _, p := range []string{"vrrp", "checker", "bfd"} {
		p := p
		t[p+"_priority"] = &keyword{Handle: func(c *ctx, kw token, args []token) {
			pt := procTuning(c, p)
			pt.Priority = 0
			if len(args) == 0 {
				c.Report(kw.Pos, generalError, "No %s process priority specified", p)
				return
			}
			n, ok := c.kaInt(args[0], -20, 19, true)
			if !ok {
				c.Report(args[0].Pos, generalError, "Invalid %s process priority specified", p)
				return
			}
			pt.Priority = int(n)
		}}
		t[p+"_no_swap"] = &keyword{Handle: func(c *ctx, _ token, _ []token) { procTuning(c, p).NoSwap = true }}
		t[p+"_rt_priority"] = &keyword{Handle: func(c *ctx, kw token, args []token) {
			if len(args) == 0 {
				c.Report(kw.Pos, generalError, "No %s process real-time priority specified", p)
				return
			}
			n, ok := c.kaInt(args[0], -1<<31, 1<<31-1, true)
			if !ok {
				c.Report(args[0].Pos, generalError, "%s process real-time priority '%s' invalid", p, args[0].Text)
				return
			}
			switch {
			case n < 1:
				c.Report(args[0].Pos, generalError, "%s process real-time priority %d less than minimum %d - setting to minimum", p, n, 1)
				n = 1
			case n > 99:
				c.Report(args[0].Pos, generalError, "%s process real-time priority %d greater than maximum %d - setting to maximum", p, n, 99)
				n = 99
			}
			procTuning(c, p).RTPriority = int(n)
		}}
		t[p+"_cpu_affinity"] = &keyword{Handle: func(c *ctx, kw token, args []token) {
			var cpus []int
			for _, a := range args {
				n, err := strconv.Atoi(a.Text)
				if err != nil || n < 0 || n >= 1024 {
					c.Report(a.Pos, generalError, "invalid cpu_id:%s specified for %s process", a.Text, p)
					return
				}
				cpus = append(cpus, n)
			}
			procTuning(c, p).CPUAffinity = cpus
		}}
		rl := &keyword{Handle: func(c *ctx, kw token, args []token) {
			if strings.HasSuffix(kw.Text, "_rtime") {
				c.Report(kw.Pos, info, "Keyword '%s' is deprecated - please use '%srttime'", kw.Text, strings.TrimSuffix(kw.Text, "rtime"))
			}
			if !c.Require(kw, args, 1) {
				return
			}
			n, ok := c.kaUnsigned(args[0], 1, 1<<32-1, true)
			if !ok {
				c.Report(args[0].Pos, generalError, "Invalid %s real-time limit - %s", p, args[0].Text)
				procTuning(c, p).RLimitRTTime = 0
				return
			}
			if n == 1 {
				n = 2
			}
			procTuning(c, p).RLimitRTTime = n
		}}
		t[p+"_rlimit_rttime"] = rl
		t[p+"_rlimit_rtime"] = rl
	}
	return t
}

func procTuning(c *ctx, p string) *config.ProcessTuning {
	switch p {
	case "vrrp":
		return &glb(c).VRRPProc
	case "checker":
		return &glb(c).CheckerProc
	}
	return &glb(c).BFDProc
}

func glWritable(path string) bool {
	f, err := openForWrite(path)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func glDeprecated(newName string, kw *keyword) *keyword {
	h := kw.Handle
	kw.Handle = func(c *ctx, k token, args []token) {
		c.Report(k.Pos, info, "'%s' is deprecated - please use '%s'", k.Text, newName)
		h(c, k, args)
	}
	return kw
}

func glProcessName(field func(*config.Global) *string) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if !c.Require(kw, args, 1) {
			return
		}
		s := args[0].Text
		if len(s) >= taskCommLen {
			c.Report(args[0].Pos, generalError, "Process name %s more than %d characters, truncating", s, taskCommLen-1)
			s = s[:taskCommLen-1]
		}
		*field(glb(c)) = s
	}}
}

func glString(missing string, field func(*config.Global) *string) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if len(args) == 0 {
			c.Report(kw.Pos, generalError, "%s", missing)
			return
		}
		*field(glb(c)) = args[0].Text
	}}
}

func glFlag(field func(*config.Global) *bool) *keyword {
	return &keyword{Handle: func(c *ctx, _ token, _ []token) { *field(glb(c)) = true }}
}

// glFlagBool: bare keyword = true, else a lower-case boolean word.
func glFlagBool(what string, field func(*config.Global) *bool) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if v, ok := glBoolArg(c, args, what); ok {
			*field(glb(c)) = v
		}
	}}
}

func glOptBool(what string, field func(*config.Global) *config.OptBool) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		v, ok := glBoolArg(c, args, what)
		switch {
		case !ok:
		case v:
			*field(glb(c)) = config.True
		default:
			*field(glb(c)) = config.False
		}
	}}
}

// glBoolArg is trueFalse with global_defs' message on a bad word.
func glBoolArg(c *ctx, args []token, what string) (bool, bool) {
	v, ok := trueFalse(args)
	if !ok {
		c.Report(args[0].Pos, generalError, "Invalid value '%s' for %s specified", args[0].Text, what)
	}
	return v, ok
}

func kaTrueFalse(s string) (bool, bool) {
	switch s {
	case "true", "on", "yes":
		return true, true
	case "false", "off", "no":
		return false, true
	}
	return false, false
}

func glSMTPServer(c *ctx, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	host := args[0].Text
	port := "25"
	if len(args) > 1 {
		port = args[1].Text
	}
	p, err := strconv.ParseUint(port, 10, 16)
	addr, ok := smtpAddr(host)
	if err != nil || !ok {
		c.Report(kw.Pos, generalError, "Invalid smtp server %s %s", host, port)
		return
	}
	glb(c).SMTPServer, glb(c).SMTPPort = addr.String(), uint16(p)
}

// smtpAddr is smtp_server's address as keepalived's smtpserver_handler
// reads it: an address, else a name resolved now (the first IPv4 answer
// first, as getaddrinfo gave 127.0.0.1 for localhost side by side).
func smtpAddr(host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), true
	}
	if host == "" || strings.ContainsAny(host, " */<>") {
		return netip.Addr{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, network := range []string{"ip4", "ip6"} {
		if ips, err := lookupNetIP(ctx, network, host); err == nil && len(ips) > 0 {
			return ips[0].Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// lookupNetIP resolves names; tests replace it.
var lookupNetIP = net.DefaultResolver.LookupNetIP

func startStopScript(startup bool) *keyword {
	typ := map[bool]string{true: "startup", false: "shutdown"}[startup]
	return &keyword{Script: true, Handle: func(c *ctx, kw token, args []token) {
		slot := &glb(c).ShutdownScript
		if startup {
			slot = &glb(c).StartupScript
		}
		if *slot != nil {
			c.Report(kw.Pos, generalError, "%s script already specified", typ)
			return
		}
		if len(args) == 0 {
			c.Report(kw.Pos, generalError, "%s script missing", typ)
			return
		}
		cmd, ok := c.Command(kw, args, true)
		if !ok {
			if !c.Aborted() {
				c.Report(kw.Pos, generalError, "Invalid %s script", typ)
			}
			return
		}
		*slot = &cmd
	}}
}

func startStopTimeout(startup bool) *keyword {
	typ := map[bool]string{true: "startup", false: "shutdown"}[startup]
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		if len(args) == 0 {
			c.Report(kw.Pos, generalError, "%s_script_timeout requires value", typ)
			return
		}
		n, ok := c.kaUnsigned(args[0], 1, 1000, true)
		if !ok {
			c.Report(args[0].Pos, generalError, "%s_script_timeout '%s' must be in [1, 1000] - ignoring", typ, args[0].Text)
			return
		}
		d := time.Duration(n) * time.Second
		if startup {
			glb(c).StartupScriptTimeout = d
		} else {
			glb(c).ShutdownScriptTimeout = d
		}
	}}
}

// nullName is what keepalived 2.2.7 prints for the FIFO in notify_fifo's
// user messages: it names fifo->name before setting it, and glibc prints
// a NULL string as "(null)".
const nullName = "(null)"

func notifyFIFO(typ string, fifo func(*config.Global) *config.FIFO) *keyword {
	return &keyword{Handle: func(c *ctx, kw token, args []token) {
		f := fifo(glb(c))
		if len(args) == 0 {
			c.Report(kw.Pos, generalError, "No %snotify_fifo name specified", typ)
			return
		}
		if f.Name != "" {
			c.Report(kw.Pos, generalError, "%snotify_fifo already specified - ignoring %s", typ, args[0].Text)
			return
		}
		if len(args) > 1 {
			grp := ""
			if len(args) > 2 {
				grp = args[2].Text
			}
			if _, _, ok := c.lookupUser(args[1].Text, grp); !ok {
				c.reportUserMissing(args[1].Text, grp)
				c.Report(kw.Pos, info, "Invalid user/group for %s fifo %s - ignoring", typ, nullName)
				c.afterRead()
				return
			}
			f.User, f.Group = args[1].Text, grp
		} else if !c.defaultScriptUserOK() {
			c.Report(kw.Pos, info, "Failed to set default user for %s fifo %s - ignoring", typ, nullName)
			c.afterRead()
			return
		}
		f.Name = args[0].Text
	}}
}

func notifyFIFOScript(typ string, fifo func(*config.Global) *config.FIFO) *keyword {
	return &keyword{Script: true, Handle: func(c *ctx, kw token, args []token) {
		f := fifo(glb(c))
		if len(args) == 0 {
			c.Report(kw.Pos, generalError, "No %snotify_fifo_script specified", typ)
			return
		}
		if f.Script != nil {
			c.Report(kw.Pos, generalError, "%snotify_fifo_script already specified - ignoring %s", typ, args[0].Text)
			return
		}
		if cmd, ok := c.Command(kw, args, true); ok {
			f.Script = &cmd
		}
	}}
}

var umaskBits = map[string]uint32{
	"IRUSR": 0o400, "IWUSR": 0o200, "IXUSR": 0o100,
	"IRGRP": 0o040, "IWGRP": 0o020, "IXGRP": 0o010,
	"IROTH": 0o004, "IWOTH": 0o002, "IXOTH": 0o001,
}

func umaskHandler(c *ctx, kw token, args []token) {
	if !c.Require(kw, args, 1) {
		return
	}
	mask := args[0].Text
	var bits uint32
	if mask != "" && isDigit(mask[0]) {
		if len(args) != 1 {
			c.Report(kw.Pos, generalError, "Extra parameter(s) to umask option")
			return
		}
		v, n := strtol(mask)
		if n != len(mask) || v < 0 || v&^0o777 != 0 {
			c.Report(args[0].Pos, generalError, "invalid umask value %s", mask)
			return
		}
		bits = uint32(v)
	} else {
		needOr := false
		for _, a := range args {
			p := a.Text
			for p != "" {
				if needOr {
					if p[0] == '|' {
						needOr = false
						p = p[1:]
						continue
					}
					c.Report(a.Pos, generalError, "Invalid umask syntax %s", a.Text)
					return
				}
				if len(p) < 5 || umaskBits[p[:5]] == 0 {
					c.Report(a.Pos, generalError, "Unknown umask bit %s", p)
					return
				}
				bits |= umaskBits[p[:5]]
				p = p[5:]
				needOr = true
			}
		}
		if !needOr {
			c.Report(kw.Pos, generalError, "umask missing bit value")
			return
		}
	}
	glb(c).Umask, glb(c).UmaskSet = bits, true
}

// includeCheck is include_check_set: sets the strictness for the includes
// that follow (restored when the including file ends).
func includeCheck(c *ctx, kw token, args []token) {
	lx := c.core.lx
	if lx == nil {
		return
	}
	if len(args) == 0 {
		lx.incCheck = incR | incM | incW | incB
		return
	}
	for i, a := range args {
		w := a.Text
		mode := 0
		switch {
		case strings.HasPrefix(w, "-"):
			mode, w = -1, w[1:]
		case strings.HasPrefix(w, "+"):
			mode, w = 1, w[1:]
		default:
			if i != 0 {
				c.Report(a.Pos, generalError, "Duplicate include_check '%s' specified - ignoring", w)
				continue
			}
			lx.incCheck = 0
		}
		var bit int
		switch w {
		case "read":
			bit = incR
		case "match":
			bit = incM
		case "wildcard_match":
			bit = incW
		case "brace_match":
			bit = incB
		default:
			c.Report(a.Pos, generalError, "Unknown include_check type '%s' - ignoring", w)
		}
		if bit == 0 {
			continue
		}
		switch mode {
		case 0:
			lx.incCheck = incR | bit
		case 1:
			lx.incCheck |= bit
		default:
			lx.incCheck &^= bit
		}
	}
}

// kaUnsigned is keepalived's read_unsigned: leading blanks allowed,
// negative numbers and trailing junk rejected (junk accepted by its prefix
// outside -t when lenient); C strtoul base detection is not used.
func (c *ctx) kaUnsigned(t token, lo, hi uint64, lenient bool) (uint64, bool) {
	s := strings.TrimLeft(t.Text, whitespace)
	warn := ""
	if lenient && !c.Opts.TestMode {
		warn = "WARNING - "
	}
	if strings.HasPrefix(s, "-") {
		c.Report(t.Pos, invalidNumber, "%snegative number '%s'", warn, t.Text)
		return 0, false
	}
	i := 0
	if i < len(s) && s[i] == '+' {
		i++
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	v, err := strconv.ParseUint(s[i:j], 10, 64)
	if j == i {
		v, err = 0, nil
	}
	inRange := err == nil && v >= lo && v <= hi
	switch {
	case j != len(s):
		c.Report(t.Pos, invalidNumber, "%sinvalid number '%s'", warn, t.Text)
	case err != nil || v > 1<<32-1:
		c.Report(t.Pos, invalidNumber, "%snumber '%s' outside unsigned integer range", warn, t.Text)
	case !inRange:
		c.Report(t.Pos, invalidNumber, "%snumber '%s' outside range [%d, %d]", warn, t.Text, lo, hi)
	default:
		return v, true
	}
	return v, lenient && inRange && !c.Opts.TestMode
}

// kaInt is keepalived's read_int (decimal).
func (c *ctx) kaInt(t token, lo, hi int64, lenient bool) (int64, bool) {
	s := t.Text
	warn := ""
	if lenient && !c.Opts.TestMode {
		warn = "WARNING - "
	}
	v, n := strtol(s)
	if strings.HasPrefix(strings.TrimLeft(s, whitespace+"+-"), "0") && n > 0 {
		// keepalived reads these in base 10: "010" is ten.
		v2, err := strconv.ParseInt(strings.TrimLeft(s[:n], whitespace), 10, 64)
		if err == nil {
			v = v2
		}
	}
	inRange := v >= lo && v <= hi
	switch {
	case n != len(s) || n == 0:
		c.Report(t.Pos, invalidNumber, "%sinvalid number '%s'", warn, s)
	case v < -1<<31 || v > 1<<31-1:
		c.Report(t.Pos, invalidNumber, "%snumber '%s' outside integer range", warn, s)
	case !inRange:
		c.Report(t.Pos, invalidNumber, "number '%s' outside range [%d, %d]", s, lo, hi)
	default:
		return v, true
	}
	return v, lenient && inRange && !c.Opts.TestMode
}

// validateGlobal is init_global_data's completion of global_defs.
func validateGlobal(c *ctx) {
	gl := glb(c)
	if gl.RouterID == "" {
		gl.RouterID = glHostname()
	}
	if gl.SMTPServer != "" {
		if gl.SMTPConnectTimeout == 0 {
			gl.SMTPConnectTimeout = 30 * time.Second // DEFAULT_SMTP_CONNECTION_TIMEOUT
		}
		if gl.SMTPHeloName == "" {
			gl.SMTPHeloName = glHostname()
		}
		if gl.NotificationEmailFrom == "" {
			gl.NotificationEmailFrom = currentUser() + "@" + glHostname()
		}
	}
	if gl.NetNamespace != "" || gl.Instance != "" {
		gl.UsePIDDir = true
	}
	if gl.RandomSeedSet {
		c.core.randomSeed = uint64(gl.RandomSeed) + 1
	}
}

// orDefaultNS names a network namespace for a message.
func orDefaultNS(ns string) string {
	if ns == "" {
		return "the default namespace"
	}
	return ns
}
