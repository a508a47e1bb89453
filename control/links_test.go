package control

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
)

// TestLinksStatus: the AgentX session and the D-Bus connection show as one
// line each in the table and as "links" in the JSON; none shows nothing.
func TestLinksStatus(t *testing.T) {
	src := statustest.Sources()
	now := statustest.Epoch
	if st := Snapshot(src, now, 1); st.Links != nil {
		t.Fatalf("links without a source: %+v", st.Links)
	}
	src.Links = func() []status.Link {
		return []status.Link{{Name: "snmp", Target: "unix:/var/agentx/master", Connected: true},
			{Name: "dbus", Target: "org.keepalived.Vrrp1"}}
	}
	st := Snapshot(src, now, 1)
	var text bytes.Buffer
	if err := WriteText(&text, &st, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"snmp agentx unix:/var/agentx/master: connected", "dbus org.keepalived.Vrrp1: not connected"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, text.String())
		}
	}
	js, err := json.Marshal(st.Links)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"name":"snmp","target":"unix:/var/agentx/master","connected":true},{"name":"dbus","target":"org.keepalived.Vrrp1","connected":false}]`; string(js) != want {
		t.Errorf("json %s\nwant %s", js, want)
	}
}
