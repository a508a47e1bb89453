package parser

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Names of routing tables, scopes, protocols, realms and groups resolve as
// in keepalived's lib/rttables.c: a number, a built-in name, or a name from
// iproute2's files (keepalived reads the same files as ip(8)).

var rtBuiltin = map[string]map[string]uint32{
	"rt_tables": {"unspec": 0, "default": 253, "main": 254, "local": 255},
	"rt_scopes": {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255},
	"rt_protos": {"unspec": 0, "none": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4,
		"gated": 8, "ra": 9, "mrt": 10, "zebra": 11, "bird": 12, "dnrouted": 13, "xorp": 14,
		"ntk": 15, "dhcp": 16, "keepalived": 18, "babel": 42, "openr": 99, "bgp": 186,
		"isis": 187, "ospf": 188, "rip": 189, "eigrp": 192},
	"rt_realms":  {"cosmos": 0},
	"group":      {"default": 0},
	"rt_dsfield": {},
}

// rtLookup resolves name in table (file base name) to a number <= max.
func rtLookup(table, name string, max uint64) (uint32, bool) {
	if n, err := strconv.ParseUint(name, 0, 32); err == nil {
		return uint32(n), n <= max
	}
	if v, ok := rtBuiltin[table][name]; ok {
		return v, true
	}
	for _, dir := range []string{"/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2"} {
		if v, ok := rtFile(dir+"/"+table, name); ok {
			return v, uint64(v) <= max
		}
	}
	return 0, false
}

func rtFile(path, name string) (uint32, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fs := strings.Fields(line)
		if len(fs) >= 2 && fs[1] == name {
			if n, err := strconv.ParseUint(fs[0], 0, 32); err == nil {
				return uint32(n), true
			}
		}
	}
	return 0, false
}

// rtnTypes are the route types keepalived accepts before a destination.
var rtnTypes = map[string]bool{
	"unicast": true, "local": true, "broadcast": true, "anycast": true, "multicast": true,
	"blackhole": true, "unreachable": true, "prohibit": true, "throw": true, "nat": true,
}

// rtnTypeIDs are keepalived's route type names and their RTN_* numbers.
var rtnTypeIDs = map[string]uint8{
	"unicast": 1, "local": 2, "broadcast": 3, "brd": 3, "anycast": 4, "multicast": 5,
	"blackhole": 6, "unreachable": 7, "prohibit": 8, "throw": 9, "nat": 10, "xresolve": 11,
}

// ruleActions are the route types a rule can have as its action.
var ruleActions = map[uint8]string{6: "blackhole", 7: "unreachable", 8: "prohibit"}

// rtnTypeID is keepalived's find_rttables_rtntype: a type name, or a
// number up to 255 (C's strtoul base 0: decimal, 0x hex, 0 octal).
func rtnTypeID(s string) (uint8, bool) {
	if id, ok := rtnTypeIDs[s]; ok {
		return id, true
	}
	if s == "" || strings.ContainsAny(s, "_+-") || len(s) > 1 && strings.ContainsRune("oObB", rune(s[1])) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 0, 8)
	return uint8(n), err == nil
}

// realms is keepalived's get_realms: TO or FROM/TO, each a number or an
// rt_realms name up to 255, as RTA_FLOW/FRA_FLOW packs them.
func realms(s string) (uint32, bool) {
	from, to, slash := strings.Cut(s, "/")
	v, ok := rtLookup("rt_realms", from, 255)
	if !ok || !slash {
		return v, ok
	}
	w, ok := rtLookup("rt_realms", to, 255)
	return v<<16 | w, ok
}
