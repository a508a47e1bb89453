package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// memDump prints, with -memstats, where pid's resident set is: every
// mapping with its Rss and Anonymous KiB ("SMAPS" lines), and for ours the
// runtime's memory classes and goroutines its KEEPALIVED_GO_MEMSTATS file
// holds ("MEMSTATS" lines) and its heap profile in base64 ("HEAPB64").
func memDump(tag string, pid int, statsFile string) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return
	}
	defer f.Close()
	var head string
	var rssKiB, anonKiB int
	emit := func() {
		if head != "" && rssKiB > 0 {
			fmt.Printf("SMAPS %s rss=%d anon=%d %s\n", tag, rssKiB, anonKiB, head)
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		fl := strings.Fields(l)
		if len(fl) == 0 {
			continue
		}
		if strings.Contains(fl[0], "-") && !strings.HasSuffix(fl[0], ":") {
			emit()
			head, rssKiB, anonKiB = l, 0, 0
			continue
		}
		switch fl[0] {
		case "Rss:":
			rssKiB, _ = strconv.Atoi(fl[1])
		case "Anonymous:":
			anonKiB, _ = strconv.Atoi(fl[1])
		}
	}
	emit()
	if statsFile == "" {
		return
	}
	if b, err := os.ReadFile(statsFile); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			fmt.Printf("MEMSTATS %s %s\n", tag, l)
		}
	}
	if b, err := os.ReadFile(statsFile + ".goroutines"); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			fmt.Printf("GOROUTINES %s %s\n", tag, l)
		}
	}
	if b, err := os.ReadFile(statsFile + ".heap"); err == nil {
		s := base64.StdEncoding.EncodeToString(b)
		for len(s) > 0 {
			n := min(len(s), 76)
			fmt.Printf("HEAPB64 %s %s\n", tag, s[:n])
			s = s[n:]
		}
	}
}
