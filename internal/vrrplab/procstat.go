package vrrplab

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Pids returns the processes of the running daemon: its process group
// (keepalived's parent and VRRP child; keepalived-go's processes).
func (r *Router) Pids() []int {
	p := r.current()
	if p == nil || p.exited() {
		return nil
	}
	pgid := p.cmd.Process.Pid
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
}

// CPUTime returns the time the threads of pid have spent on a CPU, in
// nanoseconds: the sum of /proc/PID/task/*/schedstat, since
// /proc/PID/schedstat covers only the main thread, which is not where a Go
// program spends its time.
func CPUTime(pid int) int64 {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	var sum int64
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			sum += n
		}
	}
	return sum
}

// Memory returns fields of /proc/PID/status in KiB (VmRSS, RssAnon, VmHWM)
// and Pss from smaps_rollup.
func Memory(pid int) map[string]int {
	m := map[string]int{}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "RssAnon:" || f[0] == "VmHWM:") {
				m[strings.TrimSuffix(f[0], ":")], _ = strconv.Atoi(f[1])
			}
		}
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) >= 2 && f[0] == "Pss:" {
				m["Pss"], _ = strconv.Atoi(f[1])
			}
		}
	}
	return m
}
