// Package bfd is the BFD engine (RFC 5880 asynchronous mode, RFC 5881
// single hop) of keepalived's BFD process.
//
// A Session is the pure state machine of one bfd_instance: it is driven by
// received packets and by the time the caller passes in, never by a clock
// of its own, so its test suite runs on a fake clock. An Engine owns the
// sessions of a configuration, routes received packets to them, sends what
// they ask for through a Transport and reports Up/Down to the trackers.
// Sockets live in the bfdsock adapter, which imports nothing from here.
package bfd
