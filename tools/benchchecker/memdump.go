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
			if strings.HasSuffix(head, "keepalived-go") {
				residentRuns(tag, pid, head)
			}
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

// residentRuns prints the runs of resident pages of the mapping head
// ("PAGES tag start-end", addresses in the executable), from pid's
// pagemap: go tool nm then says which code and data stay resident.
func residentRuns(tag string, pid int, head string) {
	lo, hi, ok := strings.Cut(strings.Fields(head)[0], "-")
	if !ok {
		return
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	f, err := os.Open(fmt.Sprintf("/proc/%d/pagemap", pid))
	if err1 != nil || err2 != nil || err != nil {
		return
	}
	defer f.Close()
	const page = 4096
	buf := make([]byte, 8*(end-start)/page)
	if _, err := f.ReadAt(buf, int64(8*start/page)); err != nil {
		return
	}
	runStart := uint64(0)
	for i := uint64(0); i <= uint64(len(buf)/8); i++ {
		present := i < uint64(len(buf)/8) && buf[8*i+7]&0x80 != 0
		addr := start + i*page
		switch {
		case present && runStart == 0:
			runStart = addr
		case !present && runStart != 0:
			fmt.Printf("PAGES %s %x-%x\n", tag, runStart, addr)
			runStart = 0
		}
	}
}
