# Sourced by http.sh and load.sh: a release `amexist` over the demo registry in a temporary
# folder (the current directory from here on), served on core 0, and nginx on core 0 serving
# one service's JSON as a static file, the reference; both stopped and the folder removed on exit.
swift build -c release --product amexist >/dev/null
amexist=$(swift build -c release --show-bin-path)/amexist
work=$(mktemp -d)
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
ulimit -n 8192
"$amexist" demo --no-serve >/dev/null

# Starts `amexist serve --read-only` on PORT with no rate limit; sets $server.
start_server() {
  taskset -c 0 "$amexist" serve --port "$1" --client-rate 1000000 --verify-rate 1000000 \
    --read-only >>server.log 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2
  exit 1
}

# The server's resident memory, in KiB.
rss() { awk '/VmRSS/ { print $2 }' "/proc/$server/status"; }

# Starts nginx on PORT serving /services/SIRET.json, the bytes amexist on SERVER_PORT answers
# for /services/SIRET as JSON.
start_nginx() {
  local port=$1 server_port=$2 siret=$3
  mkdir -p www/services
  curl -sf -H 'Accept: application/json' "http://127.0.0.1:$server_port/services/$siret" >"www/services/$siret.json"
  # nginx's workers do not run as root; the keys stay private (the server refuses keys others
  # can read).
  chmod a+x "$work"
  chmod -R a+rX www
  cat >nginx.conf <<CONF
worker_processes 1;
worker_rlimit_nofile 8192;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 30s;
  default_type application/json;
  server {
    listen 127.0.0.1:$port;
    location / { root $work/www; }
  }
}
CONF
  taskset -c 0 nginx -c "$work/nginx.conf"
  sleep 0.5
}
