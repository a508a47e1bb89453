package vrrpconf

import (
	"slices"
	"strings"
	"testing"

	"github.com/dsas/keepalived-go/parser"
)

func translateWith(t *testing.T, text string, opt Options) *Result {
	t.Helper()
	opts := parser.Options{NoConfigID: true, InterfaceExists: func(string) bool { return true }}
	cfg, diags, err := parser.ParseBytes("test.conf", []byte(text), opts)
	if err != nil || diags.ExitCode() != 0 {
		t.Fatalf("parse: %v\n%s", err, diags)
	}
	res, err := Translate(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTrackFileDirGone: a tracked file whose directory does not exist is
// removed as keepalived's init_track_files does ("Track file directory
// for X does not exist - removing"): no instance tracks it, so its weight
// never applies (corpus 048 and 072 in the runtime differential).
func TestTrackFileDirGone(t *testing.T) {
	conf := `track_file here {
  file /here/f
  weight -100
}
track_file gone {
  file /gone/f
  weight -100
}
track_file idle {
  file /gone/g
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  priority 100
  track_file {
    here
    gone
  }
  virtual_ipaddress {
    192.0.2.10
  }
}
`
	res := translateWith(t, conf, Options{TrackFileDir: func(p string) bool { return strings.HasPrefix(p, "/here/") }})
	var names []string
	for _, r := range res.VRRP.Instances[0].TrackFiles {
		names = append(names, r.Name)
	}
	if !slices.Equal(names, []string{"here"}) {
		t.Errorf("VI_1 tracks %v, want [here]", names)
	}
	var files []string
	for _, f := range res.Track.Files {
		files = append(files, f.Name)
	}
	if slices.Contains(files, "gone") {
		t.Errorf("the tracker still reads gone: %v", files)
	}
	want := "Track file directory for gone does not exist - removing"
	if !slices.Contains(res.Warnings, want) {
		t.Errorf("warnings %q lack %q", res.Warnings, want)
	}
	// An untracked file is forgotten without a word.
	for _, w := range res.Warnings {
		if strings.Contains(w, "idle") {
			t.Errorf("untracked file reported: %q", w)
		}
	}
	// Without the host's answer (-t, tests) every file stays.
	res = translateWith(t, conf, Options{})
	if n := len(res.VRRP.Instances[0].TrackFiles); n != 2 {
		t.Errorf("without TrackFileDir VI_1 tracks %d files, want 2", n)
	}
}

// TestSyncGroupTracksOwnInterface: a sync group's track_interface naming
// a member's own interface is the one keepalived already tracks
// unweighted: it logs both-configured and the group's weight is lost
// (corpus 048's VI_6: priority 89, not 109). With dont_track_primary the
// group's weight applies.
func TestSyncGroupTracksOwnInterface(t *testing.T) {
	conf := `vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
  track_interface {
    eth2 weight 20
  }
}
vrrp_instance VI_1 {
  interface eth2
  virtual_router_id 1
  priority 100
  virtual_ipaddress {
    192.0.2.10
  }
}
vrrp_instance VI_2 {
  interface eth2
  dont_track_primary
  virtual_router_id 2
  priority 100
  virtual_ipaddress {
    192.0.2.11
  }
}
`
	res := translateWith(t, conf, Options{})
	weight := func(i int) int {
		for _, ti := range res.VRRP.Instances[i].TrackInterfaces {
			if ti.Name == "eth2" {
				return ti.Weight
			}
		}
		t.Fatalf("%s does not track eth2", res.VRRP.Instances[i].Name)
		return 0
	}
	if w := weight(0); w != 0 {
		t.Errorf("VI_1 tracks its own eth2 with weight %d, want 0", w)
	}
	if w := weight(1); w != 20 {
		t.Errorf("VI_2 (dont_track_primary) tracks eth2 with weight %d, want 20", w)
	}
	want := "(VI_1) track_interface eth2 is configured on VRRP instance and sync group. Remove vrrp instance or sync group config"
	if !slices.Contains(res.Warnings, want) {
		t.Errorf("warnings %q lack %q", res.Warnings, want)
	}
	for _, w := range res.Warnings {
		if strings.HasPrefix(w, "(VI_2) track_interface") {
			t.Errorf("dont_track_primary member reported: %q", w)
		}
	}
}
