#!/bin/sh
# start.sh - the nginx image's entry point (deploy/Dockerfile, target nginx).
# Writes /tmp/inkwell/real-ip.conf, which nginx.compose.conf includes, from
# NGINX_REAL_IP_FROM: the addresses or CIDRs (space- or comma-separated) of a
# trusted proxy in front of the published port. When set, nginx takes the
# client's address from that proxy's X-Forwarded-For (rate limits, X-Real-IP,
# logs); unset (the default), the connection's own address is the client.
set -eu
mkdir -p /tmp/inkwell
conf=/tmp/inkwell/real-ip.conf
: >"$conf"
trusted=$(printf '%s' "${NGINX_REAL_IP_FROM:-}" | tr ',' ' ')
for a in $trusted; do
	case "$a" in
	*[!0-9A-Fa-f.:/]*) echo "inkwell-nginx: NGINX_REAL_IP_FROM: not an address: $a" >&2; exit 2 ;;
	esac
	echo "set_real_ip_from $a;" >>"$conf"
done
if [ -n "$trusted" ]; then
	echo "real_ip_header X-Forwarded-For;" >>"$conf"
	echo "real_ip_recursive on;" >>"$conf"
fi
exec nginx -e stderr -g 'daemon off;'
