#!/bin/sh
# Builds dist/keepalived-go_<version>_<arch>.deb from the binaries in bin/
# (run `make build` first) and the files in packaging/, with dpkg-deb only:
# no debhelper, no fakeroot, reproducible for a given commit.
#
# Environment: BIN (binaries, default bin), OUT (default dist), DEB_VERSION
# (default 0.1.0~git<commit date>.<commit>), DEB_ARCH (default: dpkg's),
# DEB_MAINTAINER, DEB_COMPRESSION (xz, or gzip for speed), SOURCE_DATE_EPOCH
# (default: the commit's time).
# Prints the path of the package it wrote.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
BIN=${BIN:-bin}
OUT=${OUT:-dist}
pkg=keepalived-go
# What the replaced package calls itself; Provides carries its version so
# packages depending on "keepalived (>= 1:2.2)" accept keepalived-go.
provides_version=1:2.2.7

die() {
	echo "deb.sh: $*" >&2
	exit 1
}

command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found (apt-get install dpkg)"
[ -x "$BIN/keepalived" ] || die "$BIN/keepalived missing: run make build first"

in_git() { git -C "$top" rev-parse --git-dir >/dev/null 2>&1; }
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	if in_git; then
		SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct)
	else
		SOURCE_DATE_EPOCH=$(date +%s)
	fi
fi
export SOURCE_DATE_EPOCH
if [ -z "${DEB_VERSION:-}" ]; then
	if in_git; then
		DEB_VERSION=0.1.0~git$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d).$(git -C "$top" rev-parse --short=7 HEAD)
	else
		DEB_VERSION=0.1.0
	fi
fi
DEB_ARCH=${DEB_ARCH:-$(dpkg --print-architecture)}
DEB_COMPRESSION=${DEB_COMPRESSION:-xz}
DEB_MAINTAINER=${DEB_MAINTAINER:-keepalived-go maintainers <keepalived-go@users.noreply.github.com>}

umask 022
stage=$(mktemp -d "${TMPDIR:-/tmp}/keepalived-go-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
root=$stage/root

# put MODE SRC DST: install one file under the package root.
put() {
	mkdir -p "$root/$(dirname "$3")"
	cp "$2" "$root/$3"
	chmod "$1" "$root/$3"
}
# putgz SRC DST: install one file gzip'ed the reproducible way.
putgz() {
	mkdir -p "$root/$(dirname "$2")"
	gzip -9n <"$1" >"$root/$2"
	chmod 0644 "$root/$2"
}

# putbin SRC DST: install a binary without its symbol tables, as Debian
# policy wants (Go's own tables for stack traces stay).
putbin() {
	put 0755 "$1" "$2"
	if command -v strip >/dev/null 2>&1; then
		strip --strip-unneeded --remove-section=.comment "$root/$2"
	fi
	# Static on purpose (CGO_ENABLED=0): nothing to depend on.
	echo "$pkg: statically-linked-binary [$2]" >>"$stage/overrides"
}

: >"$stage/overrides"
putbin "$BIN/keepalived" usr/sbin/keepalived
# keepalived-bgp: the bgp_speaker helper, beside the daemon where it looks first.
if [ -x "$BIN/keepalived-bgp" ]; then
	putbin "$BIN/keepalived-bgp" usr/sbin/keepalived-bgp
	putgz packaging/man/keepalived-bgp.8 usr/share/man/man8/keepalived-bgp.8.gz
fi
if [ -x "$BIN/keepalivectl" ]; then
	putbin "$BIN/keepalivectl" usr/bin/keepalivectl
	[ -f packaging/man/keepalivectl.1 ] && putgz packaging/man/keepalivectl.1 usr/share/man/man1/keepalivectl.1.gz
	put 0644 packaging/keepalivectl.bash-completion usr/share/bash-completion/completions/keepalivectl
fi
# genhash: Debian's keepalived ships it (operators fill HTTP_GET digests with it).
if [ -x "$BIN/genhash" ]; then
	putbin "$BIN/genhash" usr/bin/genhash
	putgz packaging/man/genhash.1 usr/share/man/man1/genhash.1.gz
fi
put 0644 "$stage/overrides" "usr/share/lintian/overrides/$pkg"
put 0644 packaging/keepalived.service lib/systemd/system/keepalived.service
put 0755 packaging/keepalived.init etc/init.d/keepalived
put 0644 packaging/keepalived.default etc/default/keepalived
# enable_dbus: the bus policy and interface files where keepalived's .deb has them.
put 0644 packaging/dbus/org.keepalived.Vrrp1.conf etc/dbus-1/system.d/org.keepalived.Vrrp1.conf
put 0644 packaging/dbus/org.keepalived.Vrrp1.Vrrp.xml usr/share/dbus-1/interfaces/org.keepalived.Vrrp1.Vrrp.xml
put 0644 packaging/dbus/org.keepalived.Vrrp1.Instance.xml usr/share/dbus-1/interfaces/org.keepalived.Vrrp1.Instance.xml
putgz packaging/man/keepalived.8 usr/share/man/man8/keepalived.8.gz
putgz packaging/man/keepalived.conf.5 usr/share/man/man5/keepalived.conf.5.gz

doc=usr/share/doc/$pkg
mkdir -p "$root/$doc"
# What operators need beside the binaries: a sample configuration, the
# option-by-option compatibility notes, and the Grafana dashboard and
# Prometheus alerting rules (data, left uncompressed for importing).
put 0644 packaging/keepalived.conf.sample "$doc/examples/keepalived.conf.sample"
putgz docs/compat.md "$doc/compat.md.gz"
put 0644 monitoring/keepalived-dashboard.json usr/share/$pkg/monitoring/keepalived-dashboard.json
put 0644 monitoring/keepalived.rules.yml usr/share/$pkg/monitoring/keepalived.rules.yml
put 0644 monitoring/keepalived.rules.test.yml usr/share/$pkg/monitoring/keepalived.rules.test.yml
# copyright: ours, then the licence of every module linked into the binaries.
{
	cat packaging/debian/copyright.in
	goroot=$(go env GOROOT 2>/dev/null || true)
	if [ -n "$goroot" ] && [ -f "$goroot/LICENSE" ]; then
		printf '\n== The Go standard library and runtime (%s) ==\n\n' "$(go env GOVERSION)"
		cat "$goroot/LICENSE"
	fi
	for b in "$BIN/keepalived" "$BIN/keepalived-bgp" "$BIN/keepalivectl" "$BIN/genhash"; do
		[ -x "$b" ] && go version -m "$b" 2>/dev/null
	done | awk '$1 == "dep" { print $2, $3 }' | sort -u | while read -r mod ver; do
		dir=$(go list -m -f '{{.Dir}}' "$mod" 2>/dev/null || true)
		lic=
		for f in LICENSE LICENSE.md LICENSE.txt COPYING; do
			if [ -n "$dir" ] && [ -f "$dir/$f" ]; then
				lic=$dir/$f
				break
			fi
		done
		[ -n "$lic" ] || die "no licence file found for $mod $ver (run go mod download)"
		printf '\n== %s %s ==\n\n' "$mod" "$ver"
		if head -n 5 "$lic" | grep -q 'Apache License' && grep -q 'Version 2\.0' "$lic" &&
			grep -q 'END OF TERMS AND CONDITIONS' "$lic"; then
			# Debian ships this text once; policy wants a reference.
			echo "Licensed under the Apache License, Version 2.0; on Debian systems the"
			echo "full text is in /usr/share/common-licenses/Apache-2.0."
		else
			cat "$lic"
		fi
		if [ -f "$dir/NOTICE" ]; then
			printf '\nNOTICE:\n\n'
			cat "$dir/NOTICE"
		fi
	done
} >"$root/$doc/copyright"
chmod 0644 "$root/$doc/copyright"
# A native package's changelog: one entry for this build.
{
	printf '%s (%s) unstable; urgency=medium\n\n' "$pkg" "$DEB_VERSION"
	printf '  * Built from keepalived-go %s; see CHANGES.md upstream.\n\n' "$DEB_VERSION"
	printf ' -- %s  %s\n' "$DEB_MAINTAINER" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$root/$doc/changelog.gz"
chmod 0644 "$root/$doc/changelog.gz"

mkdir -p "$root/DEBIAN"
for f in postinst prerm postrm; do
	put 0755 "packaging/debian/$f" "DEBIAN/$f"
done
put 0644 packaging/debian/conffiles DEBIAN/conffiles
put 0644 packaging/debian/triggers DEBIAN/triggers
# md5sums: every shipped file but the conffiles (dpkg tracks those itself).
(cd "$root" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' | sed 's|^\./||' | LC_ALL=C sort |
	xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$DEB_VERSION|" -e "s|@ARCH@|$DEB_ARCH|" \
	-e "s|@MAINTAINER@|$DEB_MAINTAINER|" -e "s|@INSTALLED_SIZE@|$size|" \
	-e "s|@PROVIDES_VERSION@|$provides_version|" \
	packaging/debian/control.in >"$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"

find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$OUT"
deb=$OUT/${pkg}_${DEB_VERSION}_${DEB_ARCH}.deb
dpkg-deb --root-owner-group "-Z$DEB_COMPRESSION" --build "$root" "$deb" >/dev/null
echo "$deb"
