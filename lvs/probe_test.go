package lvs

import (
	"context"
	"errors"
	"log/slog"
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

// TestHTTPRecovery follows check_http.c's epilog: once a url has failed
// for good, the first pass that succeeds only clears it and the next one
// brings the checker up; failures within retry do not count.
func TestHTTPRecovery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		http  bool
		retry int
		in    []bool
		want  []bool
	}{
		{"first check fails", true, 1, []bool{false, true, true}, []bool{false, false, true}},
		{"up, failure within retry", true, 1, []bool{true, false, true, true}, []bool{true, false, true, true}},
		{"up, retries exhausted", true, 1, []bool{true, false, false, true, false, true, true}, []bool{true, false, false, false, false, true, true}},
		{"retry 0", true, 0, []bool{true, false, true, true}, []bool{true, false, false, true}},
		{"fails again while confirming", true, 0, []bool{true, false, true, false, true}, []bool{true, false, false, false, true}},
		{"not HTTP", false, 0, []bool{true, false, true}, []bool{true, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := scripted(tc.in)
			w := &watched{inner: &in, log: slog.New(slog.DiscardHandler), http: tc.http, retry: tc.retry}
			w.reset(false)
			for i, want := range tc.want {
				if got := w.Check(context.Background()).OK(); got != want {
					t.Errorf("check %d: ok = %v, want %v", i, got, want)
				}
			}
		})
	}
}
