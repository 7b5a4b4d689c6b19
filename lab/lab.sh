#!/usr/bin/env bash
# Start or stop the ddx lab: BIND, NSD and Unbound serving the demo
# universe on 127.53.0.0/16. Installs the Debian packages it needs.
#   lab/lab.sh up [-loss P] [-jitter J] [-seed N]   (foreground; Ctrl-C stops it and cleans up)
#   lab/lab.sh stop   (removes whatever a lab left behind)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "lab.sh: run as root" >&2; exit 1; fi
missing=()
for b in named:bind9 dnssec-signzone:bind9-utils delv:bind9-dnsutils nsd:nsd unbound:unbound dig:bind9-dnsutils drill:ldnsutils zonemaster-cli:zonemaster-cli ip:iproute2; do
  command -v "${b%%:*}" >/dev/null || missing+=("${b#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec go run ./cmd/ddx-lab "${@:-up}"
