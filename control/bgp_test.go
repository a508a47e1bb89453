package control

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/status/statustest"
)

// TestBGPStatus: a running bgp_speaker shows as a section of the table and
// a "bgp" object of the JSON; none shows nothing.
func TestBGPStatus(t *testing.T) {
	src := statustest.Sources()
	now := statustest.Epoch
	if st := Snapshot(src, now, 1); st.BGP != nil {
		t.Fatalf("BGP without a source: %+v", st.BGP)
	}
	src.BGP = status.BGPFunc(func() status.BGP {
		return status.BGP{Running: true, Announced: []string{"192.0.2.10/32"}, LastChange: now.Add(-5 * time.Second),
			Neighbors: []status.BGPNeighbor{{Addr: "10.0.0.1", RemoteAS: 65000, State: "established"}}}
	})
	st := Snapshot(src, now, 1)
	var text bytes.Buffer
	if err := WriteText(&text, &st, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BGP NEIGHBOR  REMOTE AS  STATE", "10.0.0.1      65000      established", "announced: 192.0.2.10/32, last change 5s ago"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, text.String())
		}
	}
	js, err := json.Marshal(st.BGP)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"neighbors":[{"address":"10.0.0.1","remote_as":65000,"state":"established"}],"announced":["192.0.2.10/32"],"last_change":"` +
		now.Add(-5*time.Second).Format(time.RFC3339Nano) + `","draining":false}`; string(js) != want {
		t.Errorf("json %s\nwant %s", js, want)
	}
}
