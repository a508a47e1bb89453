package statefile

// Re-implementations of the two public exporters' parsing rules, written
// from reading their code (mehdy/keepalived-exporter
// internal/collector/parser.go, gen2brain/keepalived_exporter
// collector/collector.go), so our files are checked against what they
// actually accept rather than against our own idea of the format.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// mehdyData is mehdy's VRRPData.
type mehdyData struct {
	IName        string   `json:"iname"`
	State        int      `json:"state"`
	WantState    int      `json:"wantstate"`
	Intf         string   `json:"ifp_ifname"`
	GArpDelay    int      `json:"garp_delay"`
	VRID         int      `json:"vrid"`
	VIPs         []string `json:"vips"`
	ExcludedVIPs []string `json:"evips"`
}

// mehdyStats is mehdy's VRRPStats (and its JSON shape).
type mehdyStats struct {
	AdvertRcvd        int `json:"advert_rcvd"`
	AdvertSent        int `json:"advert_sent"`
	BecomeMaster      int `json:"become_master"`
	ReleaseMaster     int `json:"release_master"`
	PacketLenErr      int `json:"packet_len_err"`
	AdvertIntervalErr int `json:"advert_interval_err"`
	IPTTLErr          int `json:"ip_ttl_err"`
	InvalidTypeRcvd   int `json:"invalid_type_rcvd"`
	AddrListErr       int `json:"addr_list_err"`
	InvalidAuthType   int `json:"invalid_authtype"`
	AuthTypeMismatch  int `json:"authtype_mismatch"`
	AuthFailure       int `json:"auth_failure"`
	PRIZeroRcvd       int `json:"pri_zero_rcvd"`
	PRIZeroSent       int `json:"pri_zero_sent"`
}

type mehdyScript struct{ Name, Status, State string }

var mehdyStates = []string{"INIT", "BACKUP", "MASTER", "FAULT"}

func mehdyState(s string) (int, error) {
	if i := slices.Index(mehdyStates, s); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("unknown state found: %s", s)
}

// mehdyParseData follows ParseVRRPData: instances start at " VRRP Instance
// = NAME"; 3-space lines are `key = value` or `key : value`; 5-space lines
// continue the previous key (VIP lists); any other line ends the instance.
func mehdyParseData(r io.Reader) (map[string]*mehdyData, error) {
	data := map[string]*mehdyData{}
	var instance, key, val string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, " VRRP Instance") && strings.Contains(l, "="):
			s := strings.Split(strings.TrimSpace(l), "=")
			instance = strings.TrimSpace(s[1])
			data[instance] = &mehdyData{IName: instance}
		case strings.HasPrefix(l, "   ") && instance != "":
			if strings.HasPrefix(l, "     ") {
				val = strings.TrimSpace(l)
			} else {
				var args []string
				switch {
				case strings.Contains(l, "="):
					args = strings.Split(strings.TrimSpace(l), "=")
				case strings.Contains(l, ":"):
					args = strings.Split(strings.TrimSpace(l), ":")
				default:
					continue
				}
				key = strings.TrimSpace(args[0])
				if key == "Virtual IP" {
					continue
				}
				val = strings.TrimSpace(args[1])
			}
			d := data[instance]
			if (strings.HasPrefix(key, "Virtual IP (") || key == "Virtual IP") && val != "" {
				d.VIPs = append(d.VIPs, val)
			}
			if strings.HasPrefix(key, "Virtual IP Excluded") && val != "" {
				d.ExcludedVIPs = append(d.ExcludedVIPs, val)
			}
			var err error
			switch key {
			case "State":
				d.State, err = mehdyState(val)
			case "Wantstate":
				d.WantState, err = mehdyState(val)
			case "Interface", "Listening device":
				d.Intf = val
			case "Gratuitous ARP delay":
				d.GArpDelay, err = strconv.Atoi(val)
			case "Virtual Router ID":
				d.VRID, err = strconv.Atoi(val)
			}
			if err != nil {
				return data, fmt.Errorf("%s %s: %w", instance, key, err)
			}
		case strings.HasPrefix(l, " VRRP Version") || strings.HasPrefix(l, " VRRP Script"):
		default:
			instance = ""
		}
	}
	return data, sc.Err()
}

// mehdyParseScripts follows ParseVRRPScript.
func mehdyParseScripts(r io.Reader) []mehdyScript {
	var out []mehdyScript
	var cur mehdyScript
	flush := func() {
		if cur.Name != "" {
			out = append(out, cur)
			cur = mehdyScript{}
		}
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, " VRRP Script") && strings.Contains(l, "="):
			flush()
			cur.Name = strings.TrimSpace(strings.Split(strings.TrimSpace(l), "=")[1])
		case strings.HasPrefix(l, "   ") && cur.Name != "":
			if !strings.Contains(l, "=") {
				continue
			}
			s := strings.Split(strings.TrimSpace(l), "=")
			switch strings.TrimSpace(s[0]) {
			case "Status":
				cur.Status = strings.TrimSpace(s[1])
			case "State":
				cur.State = strings.TrimSpace(s[1])
			}
		case !strings.HasPrefix(l, "    "):
			flush()
		}
	}
	flush()
	return out
}

// mehdyParseStats follows ParseStats: "VRRP Instance: NAME", 2-space section
// headers ending in ':', 4-space `key: int` inside sections, 2-space
// `key: int` outside.
func mehdyParseStats(r io.Reader) (map[string]*mehdyStats, error) {
	stats := map[string]*mehdyStats{}
	var instance, section string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "VRRP Instance") && strings.Contains(l, ":"):
			instance = strings.TrimSpace(strings.Split(strings.TrimSpace(l), ":")[1])
			stats[instance] = &mehdyStats{}
		case strings.HasPrefix(l, "  ") && strings.HasSuffix(l, ":"):
			section = strings.TrimSpace(strings.Split(strings.TrimSpace(l), ":")[0])
		case strings.HasPrefix(l, "    ") && section != "":
			sp := strings.Split(strings.TrimSpace(l), ":")
			key := strings.TrimSpace(sp[0])
			v, err := strconv.Atoi(strings.TrimSpace(sp[1]))
			if err != nil {
				return stats, err
			}
			s := stats[instance]
			switch section + "/" + key {
			case "Advertisements/Received":
				s.AdvertRcvd = v
			case "Advertisements/Sent":
				s.AdvertSent = v
			case "Packet Errors/Length":
				s.PacketLenErr = v
			case "Packet Errors/TTL":
				s.IPTTLErr = v
			case "Packet Errors/Invalid Type":
				s.InvalidTypeRcvd = v
			case "Packet Errors/Advertisement Interval":
				s.AdvertIntervalErr = v
			case "Packet Errors/Address List":
				s.AddrListErr = v
			case "Authentication Errors/Invalid Type":
				s.InvalidAuthType = v
			case "Authentication Errors/Type Mismatch":
				s.AuthTypeMismatch = v
			case "Authentication Errors/Failure":
				s.AuthFailure = v
			case "Priority Zero/Received":
				s.PRIZeroRcvd = v
			case "Priority Zero/Sent":
				s.PRIZeroSent = v
			}
		case strings.HasPrefix(l, "  ") && !strings.HasSuffix(l, ":") && !strings.HasPrefix(l, "    "):
			sp := strings.Split(strings.TrimSpace(l), ":")
			section = ""
			v, err := strconv.Atoi(strings.TrimSpace(sp[1]))
			if err != nil {
				return stats, err
			}
			switch strings.TrimSpace(sp[0]) {
			case "Became master":
				stats[instance].BecomeMaster = v
			case "Released master":
				stats[instance].ReleaseMaster = v
			}
		}
	}
	return stats, sc.Err()
}

// mehdyParseVIP follows ParseVIP: the first word is the ip_address label,
// the third the intf label.
func mehdyParseVIP(vip string) (ip, intf string, ok bool) {
	args := strings.Split(vip, " ")
	if len(args) < 3 {
		return "", "", false
	}
	return args[0], args[2], true
}

// mehdyJSON is mehdy's VRRP (data + stats) as decoded from keepalived.json.
type mehdyJSON struct {
	Data  mehdyData  `json:"data"`
	Stats mehdyStats `json:"stats"`
}

// gen2brainKA is gen2brain's KA.
type gen2brainKA struct {
	Data struct {
		Iname          string  `json:"iname"`
		IfpIfname      string  `json:"ifp_ifname"`
		LastTransition float64 `json:"last_transition"`
		Vrid           int     `json:"vrid"`
		State          int     `json:"state"`
		Wantstate      int     `json:"wantstate"`
	} `json:"data"`
	Stats mehdyStats `json:"stats"`
}

func decodeJSON[T any](r io.Reader) ([]T, error) {
	var out []T
	err := json.NewDecoder(r).Decode(&out)
	return out, err
}
