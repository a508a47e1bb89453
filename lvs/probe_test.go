package lvs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/check/probe"
)

type scripted []bool

func (s *scripted) Check(context.Context) probe.Result {
	ok := (*s)[0]
	*s = (*s)[1:]
	if ok {
		return probe.Result{}
	}
	return probe.Result{Err: errors.New("refused")}
}

// watched logs as keepalived's checkers do: a failure when the state
// changes (every one with log_all_failures), a success after a failure or
// first; it passes results through unchanged.
func TestWatchedLogs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		logAll bool
		in     []bool
		want   string // f: failed line, s: succeeded line
	}{
		{"on change", false, []bool{true, true, false, false, true}, "sfs"},
		{"first failure", false, []bool{false, false, true}, "fs"},
		{"log_all_failures", true, []bool{true, false, false, true}, "sffs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			in := scripted(tc.in)
			w := &watched{inner: &in, log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), kind: "HTTP_GET", logAll: tc.logAll}
			for i, good := range tc.in {
				if got := w.Check(context.Background()).OK(); got != good {
					t.Fatalf("check %d: ok = %v, want %v", i, got, good)
				}
			}
			var got strings.Builder
			for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				switch {
				case strings.Contains(l, "HTTP_GET failed"):
					got.WriteByte('f')
				case strings.Contains(l, "HTTP_GET succeeded"):
					got.WriteByte('s')
				}
			}
			if got.String() != tc.want {
				t.Fatalf("logged %q, want %q:\n%s", got.String(), tc.want, buf.String())
			}
		})
	}
}
