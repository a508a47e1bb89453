package parser

import "github.com/dsas/keepalived-go/config"

// Command reads a command keyword (notify_*, script, misc_path, ...) with
// keepalived's script tokenizer (notes §1.9): the raw line is re-split
// honouring " and ' quoting; word 2 is the command, words 3 and 4 the
// optional user and group; the command is then split into argv with
// shell-like quoting and escapes. withUser=false for keywords that take
// only a command (vrrp_script script, MISC_CHECK misc_path).
//
// TODO(core): implement exactly; this placeholder splits on blanks.
func (c *Ctx) Command(kw Token, args []Token, withUser bool) (config.Command, bool) {
	if !c.Need(kw, args, 1) {
		return config.Command{}, false
	}
	cmd := config.Command{Raw: args[0].Text}
	for _, a := range args {
		cmd.Argv = append(cmd.Argv, a.Text)
	}
	return cmd, true
}
