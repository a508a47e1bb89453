package parser

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"
)

// Host look-ups, each overridable through Options so tests can describe
// the machine keepalived would run on.

var timeNow = time.Now

// shortHostname is keepalived's default config-id: uname -n up to the
// first dot.
func shortHostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	h, _, _ = strings.Cut(h, ".")
	return h
}

func absDir(name string) string {
	a, err := filepath.Abs(name)
	if err != nil {
		return filepath.Dir(name)
	}
	return filepath.Dir(a)
}

func (c *ctx) userExists(name string) bool {
	if c.Opts.UserExists != nil {
		return c.Opts.UserExists(name)
	}
	_, err := user.Lookup(name)
	return err == nil
}

func (c *ctx) groupExists(name string) bool {
	if c.Opts.GroupExists != nil {
		return c.Opts.GroupExists(name)
	}
	_, err := user.LookupGroup(name)
	return err == nil
}

func (c *ctx) namespaceExists(name string) bool {
	if c.Opts.NamespaceExists != nil {
		return c.Opts.NamespaceExists(name)
	}
	for _, d := range []string{"/run/netns/", "/var/run/netns/"} {
		if _, err := os.Stat(d + name); err == nil {
			return true
		}
	}
	return false
}

// InterfaceExists reports whether a network interface exists on the host
// keepalived would run on (Options.InterfaceExists, else this host).
func (c *ctx) InterfaceExists(name string) bool {
	if c.Opts.InterfaceExists != nil {
		return c.Opts.InterfaceExists(name)
	}
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil && name != "" && !strings.Contains(name, "/")
}

// checkConfFile is keepalived's check_conf_file, run before anything is
// parsed: a missing main file is only an error with -e (so plain -t on a
// missing file exits 0, verified 2.2.7).
func (c *ctx) checkConfFile(path string) bool {
	lx := newLexer(c, false)
	matches, ok := lx.globChecked(path, c.core.startDir)
	if !ok {
		return false
	}
	n := 0
	for _, m := range matches {
		full := fsPath(m, c.core.startDir)
		if strings.HasSuffix(m, "/") {
			lx.fileError(Pos{File: path}, incR, "Configuration file '%s' is a directory - skipping", m)
			return false
		}
		st, err := c.fsys().Stat(full)
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 != 0 {
			lx.fileError(Pos{File: path}, incR, "Configuration file '%s' is not a regular non-executable file - skipping", m)
			return false
		}
		f, err := os.Open(full)
		if err != nil {
			c.Report(Pos{File: path}, fileNotFound, "Unable to read configuration file %s", m)
			return false
		}
		f.Close()
		n++
	}
	switch {
	case n > 1:
		c.Report(Pos{File: path}, multipleFiles, "WARNING, multiple configuration file matches of %s, starting with %s", path, matches[0])
	case n == 0:
		c.Report(Pos{File: path}, fileNotFound, "Unable to find configuration file %s", path)
		return false
	}
	return true
}

func openForWrite(path string) (*os.File, error) { return os.OpenFile(path, os.O_WRONLY, 0) }

// glHostname is keepalived's get_local_name: the node name's canonical
// name (getaddrinfo with AI_CANONNAME), e.g. "host.example.com" for a
// Debian "127.0.1.1 host.example.com host" line. Only /etc/hosts is
// consulted (no DNS query at parse time); a name it does not list stays as
// it is.
func glHostname() string {
	h, _ := os.Hostname()
	b, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return h
	}
	return canonicalName(string(b), h)
}

// canonicalName is the first name of the first hosts line that lists
// name, or name.
func canonicalName(hosts, name string) string {
	for _, l := range strings.Split(hosts, "\n") {
		l, _, _ = strings.Cut(l, "#")
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		for _, n := range f[1:] {
			if strings.EqualFold(n, name) {
				return f[1]
			}
		}
	}
	return name
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}
