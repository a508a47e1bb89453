// Package vrrp is the VRRP engine: keepalived-compatible VRRPv2/v3 state
// machines for every vrrp_instance of a process, their tracking, sync groups,
// announcements and notifications.
//
// The engine touches the host only through ports (Conn, Network, Notifier,
// Clock) so it runs unchanged against the kernel adapters in production and
// against in-memory fakes (package vrrptest) in tests. All state lives behind
// one mutex per Router, which mirrors keepalived's single-threaded VRRP
// process: timers, received packets and tracker results are serialised, and
// nothing slow (scripts, FIFOs) ever runs under that lock.
package vrrp
