package statefile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/dsas/keepalived-go/status"
	"github.com/dsas/keepalived-go/vrrp"
)

// jsonInstance is one element of keepalived.json, fields in keepalived
// 2.2.7's order (vrrp_json.c).
type jsonInstance struct {
	Data  jsonData  `json:"data"`
	Stats jsonStats `json:"stats"`
}

type jsonData struct {
	Iname                string      `json:"iname"`
	DontTrackPrimary     uint        `json:"dont_track_primary"`
	SkipCheckAdvAddr     uint        `json:"skip_check_adv_addr"`
	StrictMode           uint        `json:"strict_mode"`
	VMACIfname           string      `json:"vmac_ifname"`
	IfpIfname            string      `json:"ifp_ifname,omitempty"`
	MasterPriority       uint        `json:"master_priority"`
	LastTransition       json.Number `json:"last_transition"` // keepalived prints it with %f
	GARPDelay            float64     `json:"garp_delay"`
	GARPRefresh          uint        `json:"garp_refresh"`
	GARPRep              uint        `json:"garp_rep"`
	GARPRefreshRep       uint        `json:"garp_refresh_rep"`
	GARPLowerPrioDelay   uint        `json:"garp_lower_prio_delay"`
	GARPLowerPrioRep     uint        `json:"garp_lower_prio_rep"`
	LowerPrioNoAdvert    uint        `json:"lower_prio_no_advert"`
	HigherPrioSendAdvert uint        `json:"higher_prio_send_advert"`
	VRID                 uint        `json:"vrid"`
	BasePriority         uint        `json:"base_priority"`
	EffectivePriority    uint        `json:"effective_priority"`
	VIPSet               bool        `json:"vipset"`
	PromoteSecondaries   bool        `json:"promote_secondaries"`
	AdverInt             float64     `json:"adver_int"`
	MasterAdverInt       float64     `json:"master_adver_int"`
	Accept               uint        `json:"accept"`
	Nopreempt            bool        `json:"nopreempt"`
	PreemptDelay         uint        `json:"preempt_delay"`
	State                uint        `json:"state"`
	Wantstate            uint        `json:"wantstate"`
	Version              uint        `json:"version"`
	SMTPAlert            bool        `json:"smtp_alert"`
	NotifyDeleted        bool        `json:"notify_deleted"`
	VIPs                 []string    `json:"vips,omitempty"`
	EVIPs                []string    `json:"evips,omitempty"`
	TrackIfp             []string    `json:"track_ifp,omitempty"`
	TrackScript          []string    `json:"track_script,omitempty"`
	AuthType             uint        `json:"auth_type"`
	AuthData             *string     `json:"auth_data,omitempty"`
}

type jsonStats struct {
	AdvertRcvd        uint64 `json:"advert_rcvd"`
	AdvertSent        uint64 `json:"advert_sent"`
	BecomeMaster      uint64 `json:"become_master"`
	ReleaseMaster     uint64 `json:"release_master"`
	PacketLenErr      uint64 `json:"packet_len_err"`
	AdvertIntervalErr uint64 `json:"advert_interval_err"`
	IPTTLErr          uint64 `json:"ip_ttl_err"`
	InvalidTypeRcvd   uint64 `json:"invalid_type_rcvd"`
	AddrListErr       uint64 `json:"addr_list_err"`
	InvalidAuthType   uint64 `json:"invalid_authtype"`
	AuthTypeMismatch  uint64 `json:"authtype_mismatch"`
	AuthFailure       uint64 `json:"auth_failure"`
	PriZeroRcvd       uint64 `json:"pri_zero_rcvd"`
	PriZeroSent       uint64 `json:"pri_zero_sent"`
}

func b2u(b bool) uint {
	if b {
		return 1
	}
	return 0
}

// FormatJSON writes keepalived.json (keepalived's vrrp_json_dump).
func FormatJSON(w io.Writer, src status.Sources) error {
	var cmds map[string]string
	if src.Scripts != nil {
		cmds = map[string]string{}
		for _, s := range src.Scripts.Scripts() {
			if len(s.Argv) > 0 {
				cmds[s.Name] = status.CommandString(s.Argv)
			}
		}
	}
	out := []jsonInstance{}
	for _, in := range status.Instances(src.VRRP) {
		c := &in.Config
		version, advert, masterAdvert := effective(&in)
		var last time.Time
		if n := len(in.History); n > 0 {
			last = in.History[n-1].At
		}
		set := in.State == vrrp.StateMaster
		d := jsonData{
			Iname:                in.Name,
			DontTrackPrimary:     b2u(c.DontTrackPrimary),
			SkipCheckAdvAddr:     b2u(c.SkipCheckAdvAddr),
			StrictMode:           b2u(c.Strict),
			IfpIfname:            in.Interface,
			LastTransition:       json.Number(fmt.Sprintf("%d.%06d", unixOrZero(last), last.Nanosecond()/1000)),
			GARPDelay:            c.GARP.MasterDelay.Seconds(),
			GARPRefresh:          uint(c.GARP.MasterRefresh / time.Second),
			GARPRep:              uint(max(c.GARP.MasterRepeat, 0)),
			GARPRefreshRep:       uint(max(c.GARP.MasterRefreshRepeat, 0)),
			GARPLowerPrioDelay:   uint(c.GARP.LowerPrioDelay / time.Second),
			GARPLowerPrioRep:     uint(max(c.GARP.LowerPrioRepeat, 0)),
			LowerPrioNoAdvert:    b2u(c.LowerPrioNoAdvert),
			HigherPrioSendAdvert: b2u(c.HigherPrioSendAdvert),
			VRID:                 uint(in.VRID),
			BasePriority:         uint(max(in.BasePriority, 0)),
			EffectivePriority:    uint(max(in.EffectivePriority, 0)),
			VIPSet:               set,
			PromoteSecondaries:   c.PromoteSecondaries,
			AdverInt:             advert.Seconds(),
			MasterAdverInt:       masterAdvert.Seconds(),
			Accept:               b2u(!c.NoAccept),
			Nopreempt:            c.Nopreempt,
			PreemptDelay:         uint(c.PreemptDelay / time.Second),
			State:                uint(in.State),
			Wantstate:            uint(in.State),
			Version:              uint(version),
			AuthType:             uint(max(c.AuthType, 0)),
		}
		for _, a := range c.VIPs {
			d.VIPs = append(d.VIPs, status.FormatAddress(a, in.Interface, set))
		}
		for _, a := range c.ExcludedVIPs {
			d.EVIPs = append(d.EVIPs, status.FormatAddress(a, in.Interface, set))
		}
		for _, t := range c.TrackInterfaces {
			d.TrackIfp = append(d.TrackIfp, t.Name)
		}
		for _, t := range c.TrackScripts {
			// keepalived prints the script's command; fall back to its
			// name when the command is unknown.
			cmd, ok := cmds[t.Name]
			if !ok {
				cmd = t.Name
			}
			d.TrackScript = append(d.TrackScript, cmd)
		}
		if c.AuthType != 0 {
			pass := c.AuthPass
			if len(pass) > 8 {
				pass = pass[:8]
			}
			d.AuthData = &pass
		}
		s := &in.Stats
		out = append(out, jsonInstance{Data: d, Stats: jsonStats{
			AdvertRcvd: s.AdvertRcvd, AdvertSent: s.AdvertSent, BecomeMaster: s.BecomeMaster,
			ReleaseMaster: s.ReleaseMaster, PacketLenErr: s.PacketLenErr, AdvertIntervalErr: s.AdvertIntervalErr,
			IPTTLErr: s.IPTTLErr, InvalidTypeRcvd: s.InvalidTypeRcvd, AddrListErr: s.AddrListErr,
			InvalidAuthType: s.InvalidAuthType, AuthTypeMismatch: s.AuthTypeMismatch, AuthFailure: s.AuthFailure,
			PriZeroRcvd: s.PriZeroRcvd, PriZeroSent: s.PriZeroSent,
		}})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return err
	}
	// keepalived's JSON writer escapes every slash ("10.0.0.1\/24");
	// outside strings JSON has none, so this touches strings only.
	_, err := w.Write(bytes.ReplaceAll(b.Bytes(), []byte("/"), []byte(`\/`)))
	return err
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
