// Package debtest tests the Debian package scripts/deb.sh builds: its
// contents and control data, lintian, and a real installation with dpkg in
// a private mount, pid and network namespace whose /usr, /etc and /var are
// throw-away overlays, where the sysv init script is driven through start,
// status, reload, restart and stop. The host's own keepalived package and
// files are never touched.
package debtest
