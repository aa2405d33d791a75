#!/usr/bin/env bash
# The Debian mirror this machine's apt uses (the URIs line of debian.sources, not a commented
# snapshot address above it), for debootstrap (hack/images.sh, hack/kind-node-image.sh).
awk '/^URIs:/ && $2 ~ /debian$/ {print $2; found=1; exit} END {if (!found) print "http://deb.debian.org/debian"}' \
  /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian
