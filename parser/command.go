package parser

import (
	"errors"
	"strings"

	"github.com/dsas/keepalived-go/config"
)

// Command reads a command keyword (notify_*, script, misc_path, ...) with
// keepalived's script tokenizer (notes §1.9, lib/parser.c
// alloc_strvec_quoted_escaped and lib/notify.c notify_script_init): the raw
// line is re-split honouring " and ' quoting and backslash escapes; word 2
// is the command, words 3 and 4 the optional user and group; the command
// is then split again, the same way, into argv.
//
// keepalived runs the escape processing on both splits, so an escape meant
// for the program must be doubled inside the quoted command string
// ("a\\tb" reaches argv as a<TAB>b). We reproduce that rather than the
// friendlier single pass, because configs in the wild rely on it.
//
// withUser=false is for keywords that take only a command (vrrp_script
// script, MISC_CHECK misc_path): their extra words are ignored and a
// missing command is not fatal. With withUser=true a missing command aborts
// the parse as keepalived does (exit 2), and a user or group that does not
// exist makes keepalived drop the script (ok=false, message only).
//
// A command given without a user runs as the default script user; whether
// that default is usable is decided once, after global_defs is known (see
// script security in global_script.go), so Command leaves User empty.
func (c *ctx) Command(kw token, args []token, withUser bool) (config.Command, bool) {
	raw := c.raw
	if raw == "" {
		raw = joinTokens(kw, args)
	}
	words, err := splitEscaped(raw)
	if err != nil {
		c.reportSplitError(kw, raw, err)
		return config.Command{}, false
	}
	if len(words) < 2 {
		if withUser {
			c.Require(kw, args, 1)
		}
		return config.Command{}, false
	}
	argv, err := splitEscaped(words[1])
	if err != nil {
		c.reportSplitError(kw, words[1], err)
		return config.Command{}, false
	}
	if len(argv) == 0 {
		c.Report(kw.Pos, info, "Unable to parse script '%s' - ignoring", words[1])
		c.afterRead()
		return config.Command{}, false
	}
	cmd := config.Command{Argv: argv, Raw: words[1], Shell: isShellCommand(argv[0])}
	if withUser && len(words) > 2 {
		cmd.User = words[2]
		if len(words) > 3 {
			cmd.Group = words[3]
		}
		if !c.userExists(cmd.User) || (cmd.Group != "" && !c.groupExists(cmd.Group)) {
			// notify_script_init's lines are log_message ones: no
			// "(Line N)" prefix.
			c.reportUserMissing(cmd.User, cmd.Group)
			c.Report(kw.Pos, info, "Invalid user/group for %s script %s - ignoring", scriptKind(kw.Text), argv[0])
			c.afterRead()
			return config.Command{}, false
		}
	}
	if withUser && cmd.User == "" && !c.defaultScriptUserOK() {
		c.Report(kw.Pos, info, "Failed to set default user for %s script %s - ignoring", scriptKind(kw.Text), argv[0])
		c.afterRead()
		return config.Command{}, false
	}
	c.core.script.remember(&cmd, kw.Pos)
	return cmd, true
}

// scriptKind is the word keepalived's notify_script_init names a script's
// kind with in its messages: "notify" for every notify_* keyword of an
// instance, a sync group or a real server, "quorum" for quorum_up/down,
// "startup"/"shutdown", and the FIFO's name for a notify_fifo_script.
func scriptKind(kw string) string {
	switch {
	case strings.HasSuffix(kw, "notify_fifo_script"), kw == "startup_script", kw == "shutdown_script":
		return strings.TrimSuffix(kw, "_script")
	case strings.HasPrefix(kw, "quorum_"):
		return "quorum"
	case strings.HasPrefix(kw, "notify"):
		return "notify"
	}
	return kw
}

// isShellCommand: keepalived hands "</path" (blanks allowed after '<') to
// system(3) instead of execve, to test that a file or /dev/tcp opens.
func isShellCommand(argv0 string) bool {
	if !strings.HasPrefix(argv0, "<") {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(argv0[1:], " \t"), "/")
}

func (c *ctx) reportSplitError(kw token, src string, err error) {
	var q errUnmatchedQuote
	if errors.As(err, &q) {
		c.Report(kw.Pos, unmatchedQuote, "String '%s': missing terminating %c", src, rune(q))
		return
	}
	c.Report(kw.Pos, info, "Missing escape char at end: '%s'", src)
}

// joinTokens rebuilds a line when no raw text is available (handlers
// called directly by tests).
func joinTokens(kw token, args []token) string {
	var b strings.Builder
	b.WriteString(kw.Text)
	for _, a := range args {
		b.WriteByte(' ')
		if a.Quoted || strings.ContainsAny(a.Text, " \t'\"\\") || a.Text == "" {
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(a.Text, `\`, `\\`), `"`, `\"`))
			b.WriteByte('"')
		} else {
			b.WriteString(a.Text)
		}
	}
	return b.String()
}

type errUnmatchedQuote byte

func (e errUnmatchedQuote) Error() string { return "missing terminating " + string(rune(e)) }

var errTrailingBackslash = errors.New("missing escape char at end")

// whitespace is keepalived's WHITE_SPACE set.
const whitespace = " \t\f\n\r\v"

// isSpace is a byte test of whitespace membership (it runs for every byte
// of the configuration several times).
func isSpace(b byte) bool {
	switch b {
	case ' ', '\t', '\f', '\n', '\r', '\v':
		return true
	}
	return false
}

// splitEscaped is keepalived's quoted+escaped word splitter. Quotes may
// start or end anywhere inside a word (a"b c"d is one word "ab cd"), the
// other quote character is literal inside quotes, and backslash escapes
// work inside and outside quotes.
func splitEscaped(src string) ([]string, error) {
	var words []string
	var w []byte
	i := 0
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i >= len(src) {
			return words, nil
		}
		w = w[:0]
		var quote byte
	word:
		for i < len(src) {
			ch := src[i]
			switch {
			case ch == '\\':
				i++
				if i >= len(src) {
					return nil, errTrailingBackslash
				}
				var out byte
				out, i = unescape(src, i)
				w = append(w, out)
			case quote != 0 && ch == quote:
				quote = 0
				i++
			case quote != 0:
				w = append(w, ch)
				i++
			case ch == '"' || ch == '\'':
				quote = ch
				i++
			case isSpace(ch):
				break word
			default:
				w = append(w, ch)
				i++
			}
		}
		if quote != 0 {
			return nil, errUnmatchedQuote(quote)
		}
		words = append(words, string(w))
	}
}

// unescape decodes the escape whose first character (after the backslash)
// is src[i]; it returns the byte and the index after the escape. Values
// wrap to a byte as keepalived's char arithmetic does.
func unescape(src string, i int) (byte, int) {
	ch := src[i]
	switch {
	case ch == 'x' && i+1 < len(src) && isHex(src[i+1]):
		// keepalived keeps consuming hex digits; only the low byte survives.
		var v byte
		i++
		for i < len(src) && isHex(src[i]) {
			v = v<<4 | hexVal(src[i])
			i++
		}
		return v, i
	case ch == 'c' && i+1 < len(src):
		return src[i+1] & 0x1f, i + 2
	case ch >= '0' && ch <= '7':
		v := ch - '0'
		i++
		for n := 0; n < 2 && i < len(src) && src[i] >= '0' && src[i] <= '7'; n++ {
			v = v<<3 + (src[i] - '0')
			i++
		}
		return v, i
	}
	switch ch {
	case 'a':
		ch = '\a'
	case 'b':
		ch = '\b'
	case 'E':
		ch = 0x1b
	case 'f':
		ch = '\f'
	case 'n':
		ch = '\n'
	case 'r':
		ch = '\r'
	case 't':
		ch = '\t'
	case 'v':
		ch = '\v'
	}
	return ch, i + 1
}

func isHex(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

func hexVal(b byte) byte {
	switch {
	case b >= '0' && b <= '9':
		return b - '0'
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10
	}
	return b - 'A' + 10
}
