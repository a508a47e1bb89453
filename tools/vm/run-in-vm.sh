#!/bin/bash
# run-in-vm.sh runs a command as root inside a disposable qemu VM (TCG, no KVM
# needed) booted from Debian's stock kernel. The host kernel has no IPVS, VLAN
# or bonding; Debian's has all of them as modules.
#
#   run-in-vm.sh BINARY [ARG...]            go test -exec convention; ./testdata
#                                           of the current directory comes along
#   run-in-vm.sh PAYLOAD -- COMMAND [ARG...]  PAYLOAD is a file or a directory
#
# In the VM the payload is /payload (the working directory, first on PATH).
# Tools: busybox, dash as /bin/sh, iproute2's ip, ipvsadm, nft, keepalived. No
# network but loopback. Exits with the command's status, 124 on timeout, 125
# when the VM stopped without reporting one.
#
# Environment: VM_TIMEOUT (seconds, 600), VM_MEM (1G), VM_SMP (2),
# VM_VERBOSE=1 (whole kernel log), VM_MODULES (modules to load),
# VM_KERNEL_PKG (kernel package; default what linux-image-amd64 depends on),
# VM_CACHE (~/.cache/keepalived-go-vm).
#
# The first run needs root and apt-get: it installs qemu-system-x86 and
# keepalived when missing and builds the cache (kernel, base initramfs).
set -euo pipefail

VM_TIMEOUT=${VM_TIMEOUT:-600}
VM_MEM=${VM_MEM:-1G}
VM_SMP=${VM_SMP:-2}
VM_CACHE=${VM_CACHE:-${HOME:-/root}/.cache/keepalived-go-vm}
# crc32c_generic must precede nf_conntrack: libcrc32c asks the crypto API for
# "crc32c" at init, a soft dependency that modules.dep does not record.
VM_MODULES=${VM_MODULES:-crc32c_generic nf_conntrack ip_vs \
ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh \
ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_ftp ip_vs_pe_sip \
8021q bonding dummy veth macvlan ipvlan bridge nf_tables}

vmdir=$(cd "$(dirname "$0")" && pwd)
marker='@@keepalived-go-vm status='

say() { printf 'run-in-vm: %s\n' "$*" >&2; }
fail() { say "$*"; exit 125; }

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

# apt_install PKG... installs Debian packages, refreshing the lists only if the
# first attempt fails (CI images often ship stale lists).
apt_install() {
	local get=(apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends)
	say "installing $*"
	DEBIAN_FRONTEND=noninteractive "${get[@]}" "$@" >/dev/null ||
		{ apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive "${get[@]}" "$@" >/dev/null; }
}

# resolve_modules DIR NAME... prints the relative .ko paths of NAMEs and of
# everything they depend on, dependencies before dependants, from DIR's
# modules.dep. Built-in modules are skipped; unknown ones are an error.
resolve_modules() {
	local dir=$1
	shift
	awk -v want="$*" '
	function base(p) { sub(/^.*\//, "", p); sub(/\.ko(\.[a-z]+)?:?$/, "", p); gsub(/-/, "_", p); return p }
	function emit(ko,   n, i, d) {
		if (ko in done) return
		done[ko] = 1
		n = split(needs[ko], d, " ")
		for (i = n; i >= 1; i--) emit(d[i])  # modules.dep lists the deepest last
		print ko
	}
	FILENAME ~ /modules\.builtin$/ { builtin[base($1)] = 1; next }
	{
		ko = $1; sub(/:$/, "", ko); byname[base(ko)] = ko
		needs[ko] = ""; for (i = 2; i <= NF; i++) needs[ko] = needs[ko] " " $i
	}
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; gsub(/-/, "_", m)
			if (m in byname) emit(byname[m])
			else if (!(m in builtin)) { print "no such module: " m > "/dev/stderr"; bad = 1 }
		}
		exit bad
	}' "$dir/modules.builtin" "$dir/modules.dep"
}

# copy_exe ROOT EXE copies EXE to ROOT/usr/local/sbin with every shared
# library ldd resolves for it (the loader included) at its usual path.
copy_exe() {
	local root=$1 exe=$2 lib
	install -D -m755 "$exe" "$root/usr/local/sbin/${exe##*/}"
	while read -r lib; do
		case $lib in
		/lib64/*) install -D "$lib" "$root$lib" ;;
		*) install -D "$lib" "$root/lib/x86_64-linux-gnu/${lib##*/}" ;;
		esac
	done < <(ldd "$exe" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

# vmlinux_from_bzimage BZIMAGE OUT writes the uncompressed kernel ELF. qemu
# boots it through the PVH entry point, which saves the ~3 s that the kernel
# spends decompressing itself under TCG. The x86 boot header
# (Documentation/arch/x86/boot.rst) locates the xz payload.
vmlinux_from_bzimage() {
	local img=$1 out=$2 setup off len
	field() { od -An -tu"$2" -j"$1" -N"$2" "$img" | tr -d ' \n'; }
	setup=$(field $((0x1f1)) 1)
	off=$(field $((0x248)) 4)
	len=$(field $((0x24c)) 4)
	dd if="$img" bs=4M status=none iflag=skip_bytes,count_bytes \
		skip=$(((setup + 1) * 512 + off)) count="$len" | xz -dc --single-stream >"$out"
}

# build_cache DIR downloads the Debian packages and fills DIR with vmlinux,
# base.cpio (busybox, modules, tools) and a static busybox for packing.
# It runs in a subshell so that its scratch directory goes on any exit.
build_cache() (
	dir=$1
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/keepalived-go-vm-build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	x=$tmp/x root=$tmp/root
	kpkg=${VM_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')}
	[ -n "$kpkg" ] || { apt-get -q update >/dev/null; kpkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'); }
	[ -n "$kpkg" ] || fail "cannot resolve the kernel package behind linux-image-amd64"
	say "building the VM cache in $dir from $kpkg (first run only)"
	pkgs=("$kpkg" busybox-static ipvsadm libnl-3-200 libnl-genl-3-200 libpopt0)
	# Downloading into our own directory keeps us clear of other apt users
	# cleaning /var/cache/apt/archives; the sandbox user cannot enter mktemp's 0700.
	(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "${pkgs[@]}" >/dev/null) ||
		{ apt-get -q update >/dev/null && (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "${pkgs[@]}" >/dev/null); } ||
		fail "apt-get download ${pkgs[*]} failed"
	for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$x"; done
	kver=$(basename "$(find "$x/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)")
	bb=$x/bin/busybox mods=$x/lib/modules/$kver
	"$bb" depmod -b "$x" "$kver" # the .deb leaves modules.dep to its postinst

	mkdir -p "$root"/{bin,sbin,etc,dev,proc,sys,tmp,run,root,payload,var/lib,etc/keepalived}
	ln -s ../run "$root/var/run"
	install -m755 "$bb" "$root/bin/busybox"
	for applet in $("$bb" --list-full); do
		[ "$applet" = bin/busybox ] && continue
		mkdir -p "$root/$(dirname "$applet")"
		ln -sf /bin/busybox "$root/$applet"
	done

	resolve_modules "$mods" "$VM_MODULES" >"$tmp/ko" || fail "resolving modules failed"
	while read -r ko; do
		install -D -m644 "$mods/$ko" "$root/lib/modules/$kver/$ko"
		case ${ko##*/} in
		bonding.ko*) echo "$ko max_bonds=0" ;; # else it creates bond0 itself
		dummy.ko*) echo "$ko numdummies=0" ;;  # else it creates dummy0 itself
		*) echo "$ko" ;;
		esac
	done <"$tmp/ko" >"$root/etc/vm-modules"
	# a modules.dep limited to what we carry, so that busybox modprobe works
	awk 'NR == FNR { have[$1 ":"] = 1; next } $1 in have' "$tmp/ko" "$mods/modules.dep" \
		>"$root/lib/modules/$kver/modules.dep"

	LD_LIBRARY_PATH=$x/lib/x86_64-linux-gnu:$x/usr/lib/x86_64-linux-gnu copy_exe "$root" "$x/sbin/ipvsadm"
	# Debian's busybox sh prefers its own applets (its ip cannot make bonds or
	# VLANs) over PATH, so /bin/sh is dash and ip is iproute2's.
	copy_exe "$root" "$(command -v dash)"
	ln -sf /usr/local/sbin/dash "$root/bin/sh"
	copy_exe "$root" "$(command -v ip)"
	copy_exe "$root" /usr/sbin/keepalived
	# nft reads rulesets back (nftables_ipvs); it names protocols from /etc/protocols.
	copy_exe "$root" "$(command -v nft)"
	for f in /etc/protocols /etc/services; do [ -f "$f" ] && install -D -m644 "$f" "$root$f"; done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\n' >"$root/etc/group"
	printf '127.0.0.1 localhost vm\n::1 localhost\n' >"$root/etc/hosts"

	mkdir "$tmp/out"
	vmlinux_from_bzimage "$x/boot/vmlinuz-$kver" "$tmp/out/vmlinux"
	# Left uncompressed: gunzip under TCG costs more than reading 35 MB.
	(cd "$root" && find . | "$bb" cpio -o -H newc 2>/dev/null) >"$tmp/out/base.cpio"
	# the per-run archive appended to this one must start 4-byte aligned
	truncate -s %4 "$tmp/out/base.cpio"
	install -m755 "$bb" "$tmp/out/busybox"
	echo "$kpkg" >"$tmp/out/kernel"

	find "$VM_CACHE" -mindepth 1 -maxdepth 1 -type d -name 'v-*' -exec rm -rf {} + # one cache at a time
	mv "$tmp/out" "$dir"
)

[ $# -ge 1 ] || usage
payload=$1
shift
[ -e "$payload" ] || fail "no such file or directory: $payload"
gotest=
if [ "${1-}" = -- ]; then
	shift
	[ $# -ge 1 ] || usage
else
	[ -f "$payload" ] || usage
	set -- "./${payload##*/}" "$@"
	gotest=1
fi

command -v qemu-system-x86_64 >/dev/null || apt_install qemu-system-x86 || fail "cannot install qemu"
[ -x /usr/sbin/keepalived ] || apt_install keepalived || fail "cannot install keepalived"

key=$( (cat "$0" "$vmdir/init"; echo "$VM_MODULES|${VM_KERNEL_PKG-}") | sha256sum | cut -c1-16)
cache=$VM_CACHE/v-$key
mkdir -p "$VM_CACHE"
(
	flock 9 # parallel runs wait for the one that builds
	[ -f "$cache/base.cpio" ] || build_cache "$cache"
) 9>"$VM_CACHE/lock"

run=$(mktemp -d "${TMPDIR:-/tmp}/keepalived-go-vm-run.XXXXXX")
trap 'rm -rf "$run"' EXIT
mkdir -p "$run/root/payload" "$run/root/etc"
if [ -d "$payload" ]; then cp -a "$payload/." "$run/root/payload/"; else cp -a "$payload" "$run/root/payload/"; fi
if [ -n "$gotest" ] && [ -d testdata ]; then cp -a testdata "$run/root/payload/"; fi
install -m755 "$vmdir/init" "$run/root/init"
# /etc/vm-cmd is the command as one shell line, each word single-quoted
for word; do printf "'%s' " "${word//\'/\'\\\'\'}"; done >"$run/root/etc/vm-cmd"
echo >>"$run/root/etc/vm-cmd"
(cd "$run/root" && find . | "$cache/busybox" cpio -o -H newc 2>/dev/null) >"$run/run.cpio"
cat "$cache/base.cpio" "$run/run.cpio" >"$run/initrd"

# panic=-1 and -no-reboot turn a kernel panic into qemu exiting; the other
# options trim boot time (no self-tests, no i8042 probing, no mitigations).
cmdline="console=ttyS0 panic=-1 mitigations=off cryptomgr.notests no_timer_check i8042.noaux i8042.nokbd i8042.nopnp"
[ -n "${VM_VERBOSE:-}" ] || cmdline="$cmdline quiet"

t0=$(date +%s.%N)
set +e
# --foreground keeps qemu in our process group so that Ctrl-C reaches it.
timeout --foreground -k 5 "$VM_TIMEOUT" qemu-system-x86_64 \
	-machine pc -bios qboot.rom -cpu max -smp "$VM_SMP" -m "$VM_MEM" \
	-nodefaults -nographic -serial stdio -no-reboot \
	-kernel "$cache/vmlinux" -initrd "$run/initrd" -append "$cmdline" </dev/null |
	tee "$run/console" | sed -u -e 's/\r$//' -e "/^${marker}[0-9]*@@\$/d" -e '/reboot: Power down$/d'
rc=${PIPESTATUS[0]}
set -e
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

status=$(tr -d '\r' <"$run/console" | sed -n "s/^${marker}\([0-9]*\)@@\$/\1/p" | tail -n1)
if [ -n "$status" ]; then
	say "exit status $status after ${secs}s"
	exit "$status"
fi
if [ "$rc" = 124 ]; then
	say "timed out after ${VM_TIMEOUT}s"
	exit 124
fi
fail "the VM stopped after ${secs}s without reporting a status (qemu: $rc)"
