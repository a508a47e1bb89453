// Package vrrplab is the integration test suite of the VRRP side: real
// daemons, keepalived-go and Debian's keepalived, run as lab routers in
// network namespaces (internal/lab), driven through keepalived's command
// line and configuration language, and watched the way an operator would:
// their notify scripts, the addresses on their links, the frames on the
// bridge (Sniffer) and a client host pinging the virtual address.
//
// The helpers in this package build the labs; the tests are in the
// package's _test files and need root.
package vrrplab
