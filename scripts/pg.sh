#!/usr/bin/env bash
# A PostgreSQL + PostGIS server for development and tests (`make db`, `make db-stop`).
#
#   scripts/pg.sh start   install Debian's postgresql + postgis if missing, create a cluster under var/pg
#                         (first time), start it on 127.0.0.1:$ZONEMAP_PG_PORT (default 54329) as a
#                         non-root user, create role/database "zonemap" with PostGIS, print the URL
#   scripts/pg.sh stop    stop it
#   scripts/pg.sh url     print the URL
#
# Local development only: the cluster listens on the loopback and trusts local connections.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${ZONEMAP_PG_PORT:-54329}"
DIR="$PWD/var/pg"
FALLBACK="/var/tmp/zonemap-pg-$(echo "$PWD" | md5sum | cut -c1-8)"
[ -d "$FALLBACK/data" ] && DIR="$FALLBACK"
URL="postgresql://zonemap@127.0.0.1:${PORT}/zonemap"

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_owner() {  # run a command as the cluster's owner (postgres refuses to run as root)
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_packages() {
  local bin major need=()
  bin="$(pgbin)"
  [ -n "$bin" ] || need+=(postgresql)
  if [ -n "$bin" ]; then
    major="$(basename "$(dirname "$bin")")"
    ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1 || need+=("postgresql-${major}-postgis-3")
  fi
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "缺少 PostgreSQL/PostGIS：请以 root 身份运行 apt-get install -y ${need[*]}" >&2; exit 1
  fi
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  install_packages  # the postgis package matching the server just installed
}

start() {
  install_packages
  local bin; bin="$(pgbin)"
  mkdir -p "$DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$DIR"
    if ! runuser -u postgres -- test -w "$DIR"; then  # a parent folder the postgres user cannot enter
      echo "注意：postgres 用户无法进入 $DIR，数据库目录改为 $FALLBACK" >&2
      mkdir -p "$FALLBACK"; chown postgres:postgres "$FALLBACK"; ln -sfn "$FALLBACK" "$DIR.link"; DIR="$FALLBACK"
    fi
  fi
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  mkdir -p "$DIR/run"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR/run"
  if ! as_owner "$bin/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
      -o "-p $PORT -k $DIR/run -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" >/dev/null
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
  "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'zonemap'" | grep -q 1 \
    || "${psql[@]}" -d postgres -c "CREATE ROLE zonemap LOGIN CREATEDB"
  for db in zonemap_template zonemap; do
    if ! "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      "${psql[@]}" -d postgres -c "CREATE DATABASE $db OWNER zonemap"
      "${psql[@]}" -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis"
    fi
  done
  "${psql[@]}" -d postgres -c "ALTER DATABASE zonemap_template IS_TEMPLATE true"
  echo "$URL"
}

stop() {
  local bin; bin="$(pgbin)"
  [ -n "$bin" ] && [ -f "$DIR/data/PG_VERSION" ] || return 0
  as_owner "$bin/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
