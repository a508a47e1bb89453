package daemon

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// SDNotify sends one sd_notify(3) state string to systemd when the daemon
// runs under a Type=notify unit ($NOTIFY_SOCKET set); otherwise it does
// nothing. Errors are ignored as sd_notify's callers do.
func SDNotify(state string) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return
	}
	if path[0] == '@' {
		path = "\x00" + path[1:] // abstract socket
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write([]byte(state))
}

// SystemdHooks are the Ready/Reloaded/Stopping hooks of Options for a
// Type=notify unit: READY=1 once started, RELOADING=1 then READY=1 around
// each reload (with the monotonic time systemd 253+ asks for), STOPPING=1.
// Hooks already set are kept and run first.
func SystemdHooks(o *Options) {
	ready, reloading, reloaded, stopping := o.Ready, o.Reloading, o.Reloaded, o.Stopping
	o.Ready = func() {
		if ready != nil {
			ready()
		}
		SDNotify(fmt.Sprintf("READY=1\nMAINPID=%d", os.Getpid()))
	}
	o.Reloading = func() {
		if reloading != nil {
			reloading()
		}
		SDNotify(fmt.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d", monotonicUsec()))
	}
	o.Reloaded = func(err error) {
		if reloaded != nil {
			reloaded(err)
		}
		if err != nil {
			SDNotify("READY=1\nSTATUS=Reload failed, running the previous configuration: " + err.Error())
			return
		}
		SDNotify("READY=1\nSTATUS=")
	}
	o.Stopping = func() {
		if stopping != nil {
			stopping()
		}
		SDNotify("STOPPING=1")
	}
}

// watchdogInterval is half of systemd's WatchdogSec for this process, or
// zero when the unit has no watchdog.
func watchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// watchdog pings systemd while alive() holds, until quit closes. alive
// takes the engines' locks, so a wedged engine stops the pings and systemd
// restarts the daemon.
func watchdog(quit <-chan struct{}, alive func()) {
	d := watchdogInterval()
	if d <= 0 {
		return
	}
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
			alive()
			SDNotify("WATCHDOG=1")
		}
	}
}

func monotonicUsec() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return 0
	}
	return ts.Sec*1e6 + ts.Nsec/1e3
}
