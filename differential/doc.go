// Package differential holds the runtime differential harness (issue 11):
// every configuration keepalived 2.2.7 accepts is run by keepalived 2.2.7
// and by keepalived-go in turn, in identical network-namespace labs, and
// what an operator could observe is compared: the adverts and GARP/NA on
// the wire, links, addresses, routes, rules, sysctls and the nftables
// ruleset on the host, the notify trail, the exit code, the log and the
// SIGUSR1/SIGUSR2 dump files.
//
// The harness is in the package's tests (differential_test.go); it needs
// root. `make differential` runs it on the whole corpus; CI runs a subset.
// Known differences are listed, with their reason, in
// testdata/allow.tsv. DIFFERENTIAL_SAVE=DIR keeps each row's views (for
// DIFFERENTIAL_REJUDGE) and each daemon's log and dump files as written
// (FILE.ka.keepalived.data, FILE.go.keepalived.data, ...), to read a
// difference in order or to capture keepalived's file for a test.
package differential
