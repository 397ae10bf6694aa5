#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS end to end on this machine, for every installed Debian kernel with
# headers: `dkms add`, `dkms install`, then modinfo must report the version,
# description, license, author and both algorithm aliases; finally the
# module is removed again. KTAP output; exit 1 on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/selftests/ktap.sh"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

kvers=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | sort -V)
ktap_plan $(( 2 + 2 * $(echo "$kvers" | wc -w) ))

grep -q "MODULE_VERSION(\"$ver\")" "$top/module/main.c"
ktap_result $? "dkms_conf_version_${ver}_matches_module_version"

# DKMS copies nothing it is not given: a clean tree without build output.
src=/usr/src/tcp_lab-$ver
dkms remove "tcp_lab/$ver" --all >/dev/null 2>&1
rm -rf "$src"
mkdir -p "$src"
cp -a "$top"/Kbuild "$top"/Makefile "$top"/dkms.conf "$top"/module "$top"/include "$src/"
dkms add "tcp_lab/$ver" >/dev/null 2>&1
ktap_result $? "dkms_add"

for k in $kvers; do
	log=$(mktemp)
	dkms install "tcp_lab/$ver" -k "$k" >"$log" 2>&1
	rc=$?
	ktap_result $rc "dkms_install_$k"
	[ $rc = 0 ] || sed 's/^/# /' "$log" | tail -20
	info=$(modinfo -k "$k" tcp_lab 2>&1)
	[ "$(modinfo -k "$k" -F version tcp_lab 2>/dev/null)" = "$ver" ] &&
		grep -q '^description:.*TCP' <<<"$info" &&
		grep -q '^license: *GPL' <<<"$info" &&
		grep -q '^author:' <<<"$info" &&
		grep -q '^alias: *tcp_lab_reno' <<<"$info" &&
		grep -q '^alias: *tcp_lab_cubic' <<<"$info"
	ktap_result $? "modinfo_${k}_version_description_license_author_aliases"
	rm -f "$log"
done
dkms remove "tcp_lab/$ver" --all >/dev/null 2>&1
rm -rf "$src"
ktap_finished
