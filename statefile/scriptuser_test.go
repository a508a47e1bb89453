package statefile

import (
	"os/user"
	"testing"

	"github.com/dsas/keepalived-go/config"
)

// TestDefaultScriptUserNote: keepalived's dump is the first to need the
// default script user in corpus 045's checker process (its scripts all
// name a user), and logs that keepalived_script cannot be had.
func TestDefaultScriptUserNote(t *testing.T) {
	if _, err := user.Lookup("keepalived_script"); err == nil {
		t.Skip("keepalived_script exists here")
	}
	const want = "Unable to set default user keepalived_script for script"
	for _, tc := range []struct {
		g    config.Global
		want string
	}{
		{config.Global{EnableScriptSecurity: true}, want},
		{config.Global{}, ""},
		{config.Global{EnableScriptSecurity: true, ScriptUser: "nobody"}, ""},
		{config.Global{EnableScriptSecurity: true, DefaultScriptUserResolved: true}, ""},
		{config.Global{EnableScriptSecurity: true, DefaultScriptUserFailed: true}, ""},
	} {
		if got := DefaultScriptUserNote(&tc.g); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.g, got, tc.want)
		}
	}
}
