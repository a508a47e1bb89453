// Package config is keepalived-go's typed configuration model: what a
// keepalived.conf means once includes, definitions, conditionals and
// keepalived's defaults have been applied. The parser produces it, the
// engines consume it; nothing here touches the kernel.
package config

import "strings"

// Config is one fully resolved configuration.
type Config struct {
	// Global holds global_defs and the top-level global keywords
	// (net_namespace, instance, use_pid_dir, ...).
	Global Global
	// VRRP holds everything the VRRP process reads: static addresses,
	// trackers, sync groups, instances.
	VRRP VRRP
	// LVS holds everything the checker process reads: SSL, virtual server
	// groups, virtual servers with their real servers and checkers.
	LVS LVS
	// BGP is the bgp_speaker extension block; nil when absent.
	BGP *BGP
}

// Command is a notify or check command after keepalived's script
// tokenizer: argv is executed directly (no shell) unless Shell is set.
type Command struct {
	Argv  []string
	User  string // empty: script_user default
	Group string
	// Shell is set for commands keepalived hands to system(3): those
	// starting with "</" (e.g. "</dev/tcp/127.0.0.1/80").
	Shell bool
	// Raw is the command string as written, for dumps and messages.
	Raw string
}

// Quoted is the command as keepalived's messages show it (cmd_str): each
// word in single quotes, but for a leading redirection-only word.
func (c Command) Quoted() string {
	var b strings.Builder
	for i, a := range c.Argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		quote := i > 0 || a == "" || (a[0] != '<' && a[0] != '>')
		if quote {
			b.WriteByte('\'')
		}
		b.WriteString(a)
		if quote {
			b.WriteByte('\'')
		}
	}
	return b.String()
}
