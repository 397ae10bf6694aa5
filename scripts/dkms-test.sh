#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS end to end on this machine, for every installed Debian kernel with
# headers: `dkms add`, `dkms install`, then modinfo must report the version,
# description, license, author and both algorithm aliases; finally the
# module is removed again. KTAP output; exit 1 on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
n=0
rc=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}

kvers=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | sort -V)
echo "TAP version 13"
echo "1..$(( 2 + 2 * $(echo "$kvers" | wc -w) ))"

grep -q "MODULE_VERSION(\"$ver\")" "$top/module/main.c"
result $? "dkms_conf_version_${ver}_matches_module_version"

# DKMS copies nothing it is not given: a clean tree without build output.
src=/usr/src/tcp_lab-$ver
dkms remove "tcp_lab/$ver" --all >/dev/null 2>&1
rm -rf "$src"
mkdir -p "$src"
cp -a "$top"/Kbuild "$top"/Makefile "$top"/dkms.conf "$top"/module "$top"/include "$src/"
dkms add "tcp_lab/$ver" >/dev/null 2>&1
result $? "dkms_add"

for k in $kvers; do
	log=$(mktemp)
	dkms install "tcp_lab/$ver" -k "$k" >"$log" 2>&1
	result $? "dkms_install_$k"
	[ $rc = 0 ] || sed 's/^/# /' "$log" | tail -20
	info=$(modinfo -k "$k" tcp_lab 2>&1)
	[ "$(modinfo -k "$k" -F version tcp_lab 2>/dev/null)" = "$ver" ] &&
		grep -q '^description:.*TCP' <<<"$info" &&
		grep -q '^license: *GPL' <<<"$info" &&
		grep -q '^author:' <<<"$info" &&
		grep -q '^alias: *tcp_lab_reno' <<<"$info" &&
		grep -q '^alias: *tcp_lab_cubic' <<<"$info"
	result $? "modinfo_${k}_version_description_license_author_aliases"
	rm -f "$log"
done
dkms remove "tcp_lab/$ver" --all >/dev/null 2>&1
rm -rf "$src"
exit $rc
