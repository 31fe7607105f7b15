#!/usr/bin/env bash
# Check the nginx site's syntax without touching /etc: a throw-away prefix with a self-signed
# certificate and the paths rewritten into it, then `nginx -t`.
#   deploy/nginx/check.sh [path/to/nginx]            syntax check only
#   SERVE=1 deploy/nginx/check.sh [path/to/nginx]    also start it on 127.0.0.1:18080/18443
#                                                      against the node at $UPSTREAM (127.0.0.1:8000)
#                                                      (prints the prefix; stop it with
#                                                      `nginx -p PREFIX -c nginx.conf -s stop`)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
nginx="${1:-$(command -v nginx || echo /usr/sbin/nginx)}"
prefix="$(mktemp -d /tmp/bridges-nginx.XXXXXX)"
chmod 755 "$prefix"  # nginx workers run as an unprivileged user
mkdir -p "$prefix/logs" "$prefix/cert" "$prefix/letsencrypt" "$prefix/srv"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bridges.example.org" \
  -keyout "$prefix/cert/privkey.pem" -out "$prefix/cert/fullchain.pem" >/dev/null 2>&1
mime="$(dirname "$(dirname "$nginx")")/../etc/nginx/mime.types"
[ -f "$mime" ] || mime=/etc/nginx/mime.types
sed "s#127.0.0.1:8000#${UPSTREAM:-127.0.0.1:8000}#" "$here/upstream.conf" > "$prefix/bridges-upstream.conf"
sed -e "s#/etc/nginx/bridges-upstream.conf#$prefix/bridges-upstream.conf#" \
    -e "s#/etc/letsencrypt/live/bridges.example.org#$prefix/cert#" \
    -e "s#/var/www/letsencrypt#$prefix/letsencrypt#" \
    -e "s#/var/log/nginx#$prefix/logs#" \
    -e "s#/srv/bridges/app#$repo#g" \
    -e "s#/srv/bridges/maintenance.on#$prefix/srv/maintenance.on#" \
    -e "s#listen 80;#listen 127.0.0.1:18080;#; s#listen \[::\]:80;##" \
    -e "s#listen 443 ssl http2;#listen 127.0.0.1:18443 ssl http2;#; s#listen \[::\]:443 ssl http2;##" \
    "$here/bridges.conf" > "$prefix/site.conf"
cat > "$prefix/nginx.conf" <<CONF
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 256; }
http {
    include $mime;
    default_type application/octet-stream;
    access_log $prefix/logs/access.log;
    client_body_temp_path $prefix/tmp_body;
    proxy_temp_path $prefix/tmp_proxy;
    fastcgi_temp_path $prefix/tmp_fastcgi;
    uwsgi_temp_path $prefix/tmp_uwsgi;
    scgi_temp_path $prefix/tmp_scgi;
    include $prefix/site.conf;
}
CONF
"$nginx" -t -p "$prefix" -c "$prefix/nginx.conf"
if [ "${SERVE:-0}" = "1" ]; then
  "$nginx" -p "$prefix" -c "$prefix/nginx.conf"
  echo "nginx serving on 127.0.0.1:18443 (prefix $prefix)"
fi
