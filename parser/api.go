// Package parser reads keepalived.conf the way keepalived 2.2/2.3 reads it:
// include globs, @id conditionals, $NAME definitions, ~SEQ/~LST replication,
// brace splitting, every block and keyword, keepalived's defaults and
// fix-ups. It returns a typed config.Config and positioned diagnostics.
package parser

// Options controls one parse.
type Options struct {
	// ConfigID is matched by @id / @^id lines (keepalived -i); default is
	// the host's short name.
	ConfigID string
	// NoConfigID leaves ConfigID empty instead of defaulting it (no @id
	// line matches, every @^id line does).
	NoConfigID bool
	// TestMode is keepalived -t: stricter number parsing, no side effects
	// such as creating track files.
	TestMode bool
	// AllConfig is -e/--all-config: missing include files are errors.
	AllConfig bool
	// InterfaceExists reports whether a network interface exists; nil
	// means look it up on this host.
	InterfaceExists func(name string) bool
	// LinkReusable says whether the interface a use_vmac (ipvlan false)
	// or use_ipvlan (true) names exists in the daemon's interface list
	// and, if so, whether it is one keepalived runs an instance on (a
	// private macvlan, an L2 ipvlan); another one makes the parser drop
	// the name, as keepalived. nil: no list (keepalived -t), no check.
	LinkReusable func(name string, ipvlan bool) (exists, ok bool)
	// UserExists and GroupExists let tests fake the host (script_user,
	// enable_script_security checks); nil means use this host.
	UserExists  func(name string) bool
	GroupExists func(name string) bool
	// NamespaceExists reports whether a named network namespace exists
	// (net_namespace); nil means look in /run/netns.
	NamespaceExists func(name string) bool
	// RandomSeed seeds ${_RANDOM}; 0 means time-based (as keepalived).
	RandomSeed uint64
	// MaxLines bounds the logical lines one pass may produce (runaway
	// ~SEQ or self-referencing definitions); 0 means 2,000,000.
	MaxLines int

	// fs replaces the host's file system for includes (tests, fuzzing).
	fs fileSystem
	// noTape makes the children read the file instead of replaying the
	// parent's lines; lineHook sees every line the engine gets (tests of
	// the tape's equivalence).
	noTape bool
	// poisonTokens overwrites each top-level statement's tokens once it
	// is done (tests: no handler may keep them).
	poisonTokens bool
	lineHook     func(proc Process, l line, last Pos, depth int, replayed bool)
}
