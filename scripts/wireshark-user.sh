#!/usr/bin/env bash
# Installs the Wireshark plugin (netrec.lua) and the "netrec" configuration
# profile for the user running it, in the personal folders Wireshark and
# tshark read (`tshark -G folders`; Wireshark's defaults under $HOME when
# tshark is not installed). `meson install` installs them for everyone.
# Usage: scripts/wireshark-user.sh [PATH/TO/netrec.lua]   (default: build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lua=${1:-$top/build/wireshark/netrec.lua}
[ -f "$lua" ] || { echo "wireshark-user: $lua not found (build first)" >&2; exit 1; }

plugdir="" confdir=""
if command -v tshark >/dev/null 2>&1; then
	folders=$(tshark -G folders 2>/dev/null || true)
	plugdir=$(printf '%s\n' "$folders" | sed -n 's/^Personal Lua Plugins:[[:space:]]*//p')
	confdir=$(printf '%s\n' "$folders" | sed -n 's/^Personal configuration:[[:space:]]*//p')
fi
: "${plugdir:=$HOME/.local/lib/wireshark/plugins}"
: "${confdir:=${XDG_CONFIG_HOME:-$HOME/.config}/wireshark}"
install -d "$plugdir" "$confdir/profiles/netrec"
install -m 0644 "$lua" "$plugdir/netrec.lua"
install -m 0644 "$top/wireshark/profile/preferences" "$top/wireshark/profile/recent" \
	"$confdir/profiles/netrec/"
echo "Wireshark plugin: $plugdir/netrec.lua; profile: $confdir/profiles/netrec (wireshark -C netrec)"
