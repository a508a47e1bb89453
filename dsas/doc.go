// Package dsas is the host layer of a DSAS cluster: it turns the per-host
// /etc/dsas.conf into a configured machine, replacing the boot scripts that
// used to source it. The work is split in small packages:
//
//   - conf reads the file (a bash assignment subset, never executed);
//   - host validates it into the desired host (bonds, VLANs, addresses...);
//   - plan diffs that against the current state into ordered steps;
//   - apply reads the state and runs the steps over rtnetlink.
//
// This package holds only the real-kernel tests that use all of them and
// the sample files in testdata; docs/dsas.md documents the file format.
package dsas
