package parser

// Script security (notes §5.9; lib/notify.c check_script_secure,
// get_default_script_user; keepalived/vrrp/vrrp.c and check/check_data.c
// for the per-process verdict).
//
// How the other sides use it:
//   - parse time: c.Command(kw, args, true) for notify-style keywords; it
//     already drops a script whose user does not exist or whose default
//     user cannot be set under enable_script_security.
//   - validate time (validateVRRP / validateLVS), for every script still
//     configured: f := c.CheckScript(procVRRP or procChecker, &cmd) and
//     drop it when f.Disabled() (notify scripts) — track scripts report
//     "Disabling track script %s due to insecure" (f&scriptInhibit) or
//     "... since not found/accessible" (f&scriptNotFound) as
//     generalError first, as keepalived does.
//   - the engine then issues keepalived's SECURITY VIOLATION (exit 6) once
//     per process at the end of that process's pass.
// keepalived skips the VRRP check entirely when there is no vrrp_instance;
// the VRRP side should then not call CheckScript.

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dsas/keepalived-go/config"
	strerrorpkg "github.com/dsas/keepalived-go/internal/strerror"
)

// scriptProc is the keepalived process that runs a script; the security
// verdict is given per process.
type scriptProc int

// Processes.
const (
	procParent scriptProc = iota // startup_script / shutdown_script
	procChecker
	procVRRP
)

// scriptFlags is keepalived's check_script_secure result (SC_*).
type scriptFlags uint

// Flags.
const (
	scriptIsScript   scriptFlags = 1 << iota // the file exists: it counts for SECURITY VIOLATION
	scriptExecutable                         // executable by its user
	scriptInsecure                           // a path element is writable by non-root
	scriptInhibit                            // must not run (insecure under script security, bad file type)
	scriptNotFound                           // not found or not accessible
	scriptSystem                             // "</..." check run by the shell
)

// Disabled is keepalived's rule for notify scripts: not run when
// inhibited, not found, or not executable.
func (f scriptFlags) Disabled() bool {
	return f&(scriptInhibit|scriptNotFound) != 0 || f&(scriptExecutable|scriptSystem) == 0
}

type scriptState struct {
	flags [3]scriptFlags
	// default script user, resolved once as keepalived does.
	defaultResolved bool
	defaultFail     bool
	defaultUID      int
	defaultGID      int
	// configured is set by script_user.
	configured bool
	// at is where each command was written, keyed by its Argv's first
	// element: the checks run after parsing, on copies of the Command
	// that still share that backing array.
	at map[*string]Pos
	// firstAt is where each process's first existing script was written;
	// its SECURITY VIOLATION points there.
	firstAt [3]Pos
}

// remember records where cmd was written, for the checks' messages.
func (s *scriptState) remember(cmd *config.Command, pos Pos) {
	if len(cmd.Argv) == 0 {
		return
	}
	if s.at == nil {
		s.at = map[*string]Pos{}
	}
	s.at[&cmd.Argv[0]] = pos
}

// scriptPos is where cmd was written, else the lexer's last position.
func (c *ctx) scriptPos(cmd *config.Command) Pos {
	if len(cmd.Argv) > 0 {
		if p, ok := c.core.script.at[&cmd.Argv[0]]; ok {
			return p
		}
	}
	return c.core.posNow()
}

// defaultScriptUserOK is get_default_script_user: script_user if set,
// else keepalived_script if it exists, else root — which is refused (once,
// as a generalError) under enable_script_security.
func (c *ctx) defaultScriptUserOK() bool {
	s := &c.core.script
	if s.defaultFail {
		return false
	}
	if s.defaultResolved {
		return true
	}
	s.defaultResolved = true
	s.defaultUID, s.defaultGID = os.Geteuid(), os.Getegid()
	if uid, gid, ok := c.lookupUser("keepalived_script", ""); ok {
		s.defaultUID, s.defaultGID = uid, gid
		return true
	}
	if c.Cfg.Global.EnableScriptSecurity {
		// keepalived logs set_uid_gid's line whenever keepalived_script
		// is missing; it is told here only where it explains the error
		// that follows (else every file with a script would show it).
		c.reportUserMissing("keepalived_script", "")
		c.Report(c.core.posNow(), generalError, "Unable to set default user %s for script", "keepalived_script")
		s.defaultFail = true
		return false
	}
	return true
}

// setScriptUser is script_user's handler core (set_default_script_user).
func (c *ctx) setScriptUser(name, group string) bool {
	s := &c.core.script
	s.defaultResolved, s.configured = true, true
	uid, gid, ok := c.lookupUser(name, group)
	if !ok {
		c.reportUserMissing(name, group)
		s.defaultFail = true
		return false
	}
	s.defaultUID, s.defaultGID = uid, gid
	return true
}

func (cs *coreState) posNow() Pos {
	if cs.lx != nil {
		return cs.lx.lastPos
	}
	return Pos{}
}

// reportUserMissing is set_uid_gid's line for a user, or else a group,
// that does not exist: a plain log line in keepalived (log_message, so no
// "(Line N)" and no -t error).
func (c *ctx) reportUserMissing(name, group string) {
	switch {
	case !c.userExists(name):
		c.Report(c.core.posNow(), info, "Script user '%s' does not exist", name)
	case group != "" && !c.groupExists(group):
		c.Report(c.core.posNow(), info, "Script group '%s' does not exist", group)
	default:
		return
	}
	c.afterRead()
}

// lookupUser resolves a user (and optional group) to ids. With fake
// UserExists/GroupExists a non-root name gets uid/gid 65534.
func (c *ctx) lookupUser(name, group string) (int, int, bool) {
	if !c.userExists(name) {
		return 0, 0, false
	}
	uid, gid := 65534, 65534
	if name == "root" {
		uid, gid = 0, 0
	}
	if u, err := user.Lookup(name); err == nil {
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	if group != "" {
		if !c.groupExists(group) {
			return 0, 0, false
		}
		gid = 65534
		if group == "root" {
			gid = 0
		}
		if g, err := user.LookupGroup(group); err == nil {
			gid, _ = strconv.Atoi(g.Gid)
		}
	}
	return uid, gid, true
}

// scriptIDs is the uid/gid a command runs as.
func (c *ctx) scriptIDs(cmd *config.Command) (int, int) {
	if cmd.User != "" {
		if uid, gid, ok := c.lookupUser(cmd.User, cmd.Group); ok {
			return uid, gid
		}
	}
	s := &c.core.script
	if !s.defaultResolved {
		c.defaultScriptUserOK()
	}
	return s.defaultUID, s.defaultGID
}

// CheckScript is keepalived's check_script_secure for cmd (see the file
// comment for how the sides use it). A bare command name is resolved in
// PATH and cmd.Argv[0] rewritten to the full path, as keepalived does.
func (c *ctx) CheckScript(proc scriptProc, cmd *config.Command) scriptFlags {
	if cmd == nil || len(cmd.Argv) == 0 {
		return 0
	}
	f := c.checkScript(cmd)
	if proc >= 0 && int(proc) < len(c.core.script.flags) {
		s := &c.core.script
		if f&scriptIsScript != 0 && s.flags[proc]&scriptIsScript == 0 {
			s.firstAt[proc] = c.scriptPos(cmd)
		}
		s.flags[proc] |= f
	}
	return f
}

func (c *ctx) checkScript(cmd *config.Command) scriptFlags {
	pos := c.scriptPos(cmd)
	if isShellCommand(cmd.Argv[0]) {
		return scriptSystem
	}
	uid, gid := c.scriptIDs(cmd)
	path := cmd.Argv[0]
	if !strings.Contains(path, "/") {
		if why := pathSearchRefused(uid, gid); why != "" {
			c.Report(pos, info, "%s", why)
			c.Report(pos, info, "Permissions failure for script %s in path - disabling", path)
			return scriptNotFound
		}
		full, ok := findInPath(path)
		if !ok {
			c.Report(pos, info, "Cannot find script %s in path - disabling", path)
			return scriptNotFound
		}
		path = full
	}
	real, err := filepath.EvalSymlinks(path)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		c.Report(pos, info, "Script %s cannot be accessed - %s", path, strerror(err))
		return scriptNotFound
	}
	// keepalived execs the realpath (a Debian /bin/true runs as /usr/bin/true),
	// but keeps the name the file was called by when the link renames it
	// (busybox applets, alternatives), if that name in the resolved
	// directory is the same file.
	if filepath.Base(real) != filepath.Base(path) {
		named := filepath.Join(filepath.Dir(real), filepath.Base(path))
		if a, err := os.Stat(named); err == nil {
			if b, err := os.Stat(real); err == nil && os.SameFile(a, b) {
				real = named
			}
		}
	}
	cmd.Argv[0] = real
	st, err := os.Stat(real)
	if err != nil {
		c.Report(pos, info, "Unable to access script `%s` - disabling", path)
		return scriptNotFound
	}
	flags := scriptIsScript
	mode := st.Mode()
	owner, group := fileOwner(st)
	protect := false
	if isExecutable(mode, owner, group, uid, gid) {
		flags |= scriptExecutable
		if uid == 0 || gid == 0 ||
			(owner == 0 && mode&0o100 != 0 && mode&os.ModeSetuid != 0) ||
			(group == 0 && mode&0o010 != 0 && mode&os.ModeSetgid != 0) {
			protect = true
		}
	} else {
		c.Report(pos, info, "WARNING - script '%s' is not executable for uid:gid %d:%d - disabling.", path, uid, gid)
	}
	if !protect {
		return flags
	}
	flags |= c.checkSecurity(pos, real)
	if real != path {
		// The link itself must be safe too, but only its own directory
		// matters: directory symlinks on the way (Debian's /bin -> usr/bin)
		// are resolved as realpath(3) resolves them for keepalived.
		if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
			if link := filepath.Join(dir, filepath.Base(path)); link != real {
				flags |= c.checkSecurity(pos, link)
			}
		}
	}
	return flags
}

func isExecutable(mode os.FileMode, owner, group, uid, gid int) bool {
	switch {
	case uid == 0:
		return mode&0o111 != 0
	case owner == uid:
		return mode&0o100 != 0
	case group == gid:
		return mode&0o010 != 0
	}
	return mode&0o001 != 0
}

// checkSecurity walks every element of path: each must be root-owned and
// not writable by a non-root group or by others (directories with the
// sticky bit excepted).
func (c *ctx) checkSecurity(pos Pos, path string) scriptFlags {
	secure := c.Cfg.Global.EnableScriptSecurity
	parts := strings.Split(path, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		last := i == len(parts)-1
		if p == "" {
			p = "/"
			if last {
				break
			}
		}
		if !last && parts[i] == "" && i != 0 {
			continue
		}
		st, err := os.Lstat(p)
		if err != nil {
			c.Report(pos, info, "check_script_secure could not find script '%s' - disabling", path)
			return scriptNotFound
		}
		m := st.Mode()
		if (!last && !m.IsDir()) || (last && !m.IsRegular() && m&os.ModeSymlink == 0) {
			c.Report(pos, info, "Wrong file type found in script path '%s'.", path)
			return scriptInhibit
		}
		owner, group := fileOwner(st)
		if owner != 0 || (((m.IsDir() && m&os.ModeSticky == 0) || m.IsRegular()) &&
			((group != 0 && m&0o020 != 0) || m&0o002 != 0)) {
			suffix := ""
			if secure {
				suffix = " - disabling"
			}
			c.Report(pos, info, "Unsafe permissions found for script '%s'%s.", path, suffix)
			if secure {
				return scriptInsecure | scriptInhibit
			}
			return scriptInsecure
		}
	}
	return 0
}

// pathSearchRefused is why keepalived's find_path cannot search PATH as
// the script's user, or "" when it can. keepalived switches to the user
// with setegid/seteuid and then calls setgroups, which an euid that is no
// longer root may not do: as root, any script_user other than root makes a
// bare command name unfindable (keepalived 2.2.7 disables the script), so
// we disable it too rather than run what keepalived never would.
func pathSearchRefused(uid, gid int) string {
	ourUID, ourGID := os.Geteuid(), os.Getegid()
	switch {
	case gid != ourGID && ourUID != 0:
		return "Unable to set egid to " + strconv.Itoa(gid) + " (Operation not permitted)"
	case uid != ourUID && ourUID != 0:
		return "Unable to set euid to " + strconv.Itoa(uid) + " (Operation not permitted)"
	case uid != ourUID:
		return "Unable to set supplementary gids (Operation not permitted)"
	}
	return ""
}

func findInPath(name string) (string, bool) {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/bin:/usr/bin"
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		full := filepath.Join(d, name)
		if st, err := os.Stat(full); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return full, true
		}
	}
	return "", false
}

// scriptSecurityVerdict is the end-of-pass SECURITY VIOLATION check.
func (c *ctx) scriptSecurityVerdict(proc scriptProc) {
	f := c.core.script.flags[proc]
	if c.Cfg.Global.EnableScriptSecurity || f&scriptIsScript == 0 {
		return
	}
	insecure := ""
	if f&scriptInsecure != 0 {
		insecure = " There are insecure scripts."
	}
	what := map[scriptProc]string{procParent: "start/shutdown scripts", procChecker: "check scripts", procVRRP: "scripts"}[proc]
	c.Report(c.core.script.firstAt[proc], securityError, "SECURITY VIOLATION - %s are being executed but script_security not enabled.%s", what, insecure)
}

// checkStartStopScripts is the parent's check of startup/shutdown scripts.
func (c *ctx) checkStartStopScripts() {
	g := &c.Cfg.Global
	for _, p := range []**config.Command{&g.StartupScript, &g.ShutdownScript} {
		if *p == nil {
			continue
		}
		if f := c.CheckScript(procParent, *p); f&(scriptInhibit|scriptNotFound) != 0 || f&(scriptExecutable|scriptSystem) == 0 {
			*p = nil
		}
	}
	c.scriptSecurityVerdict(procParent)
}

// strerror words err as keepalived logs it ("No such file or directory").
func strerror(err error) string { return strerrorpkg.Text(err) }
