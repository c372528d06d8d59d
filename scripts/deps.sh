#!/usr/bin/env bash
# Installs the Debian packages the project needs, and only those missing.
# Usage: scripts/deps.sh build|test   (test = build + the tools tests compare against)
# Quiet and idempotent: prints nothing when everything is already there.
set -euo pipefail

build_pkgs=(meson ninja-build pkg-config gcc clang llvm bpftool
	libbpf-dev libelf-dev libpcap-dev libzstd-dev libsqlite3-dev zlib1g-dev
	iproute2 iputils-ping python3)
test_pkgs=(tshark wireshark-common tcpdump nftables iperf3 zstd gzip sqlite3
	libclang-rt-14-dev tcptrace procps bc time clickhouse-server clickhouse-client
	xvfb wireshark-qt x11-apps x11-utils fonts-dejavu-core chromium)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: they may not.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
