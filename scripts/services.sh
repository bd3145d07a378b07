#!/usr/bin/env bash
# Throwaway PostgreSQL and S3 (s3rver) servers on free loopback ports, for tests, CI and the demo.
#
#   scripts/services.sh start [all|postgres|s3] [--install]   start (idempotent) and print the settings; all and
#                                                              postgres also check the export tools (pdftotext, fonts),
#                                                              installed with apt-get under --install
#   scripts/services.sh env                                    print the settings of what is running
#   scripts/services.sh status                                 say what is running
#   scripts/services.sh stop                                   stop everything and delete its data
#
# Settings are printed as `export NAME=value` lines, ready for `eval "$(scripts/services.sh start)"`.
# State lives in $DATAGUARD_STATE_DIR (default: a folder under /tmp named after this checkout).
# DATAGUARD_PG_ARCHIVE_COMMAND, when set, turns on WAL archiving with that archive_command.
# DATAGUARD_PG_EXTRA_CONF, when set, is appended to postgresql.conf (e.g. "wal_level = logical").
# Works as root: PostgreSQL then runs as the `postgres` user.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkout_hash="$(printf '%s' "$repo_root" | cksum | cut -d' ' -f1)"
state_dir="${DATAGUARD_STATE_DIR:-${TMPDIR:-/tmp}/dataguard-services-$(id -u)-$checkout_hash}"
tools_dir="$repo_root/.tools"
s3rver_version="3.7.1"

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local port tries=0
  while (( tries < 200 )); do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if port_is_free "$port"; then echo "$port"; return 0; fi
    tries=$(( tries + 1 ))
  done
  die "no free loopback port found"
}

# ---------------------------------------------------------------- PostgreSQL

find_pg_bin() {
  if [[ -n "${DATAGUARD_PG_BIN:-}" && -x "$DATAGUARD_PG_BIN/initdb" ]]; then echo "$DATAGUARD_PG_BIN"; return 0; fi
  local dir best="" best_major=0 major
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] || continue
    major="$(basename "$(dirname "$dir")")"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if (( major >= 15 && major > best_major )); then best="$dir"; best_major=$major; fi
  done
  if [[ -n "$best" ]]; then echo "$best"; return 0; fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
    major="$("$dir/initdb" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')"
    if (( major >= 15 )); then echo "$dir"; return 0; fi
  fi
  return 1
}

install_postgres() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install PostgreSQL 15 or newer (server and client) by hand"
  log "installing PostgreSQL with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql postgresql-client >&2
}

# The export tests read PDFs with pdftotext and the PDF exporter needs fonts for every script the tests use:
# DejaVu (Latin, Greek, Cyrillic), Droid Sans Fallback (CJK) and Symbola (emoji, monochrome: Noto Color Emoji is
# CBDT bitmaps, which PDFsharp cannot embed).
ensure_export_tools() {
  local install="$1" missing=()
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  [[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
  [[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]] || missing+=(fonts-droid-fallback)
  [[ -f /usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf ]] || missing+=(fonts-symbola)
  (( ${#missing[@]} == 0 )) && return 0
  if [[ "$install" == "yes" ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]} with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2; }
  else
    log "missing for the export tests: ${missing[*]} (apt-get install ${missing[*]}, or start with --install)"
  fi
}

run_as_pg() {
  if [[ "$(id -u)" == "0" ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_is_running() {
  [[ -f "$state_dir/pg.env" && -f "$state_dir/pg/data/postmaster.pid" ]] || return 1
  # shellcheck disable=SC1091
  source "$state_dir/pg.env"
  run_as_pg "$PG_BIN/pg_ctl" -D "$state_dir/pg/data" status >/dev/null 2>&1
}

start_postgres() {
  local install="$1"
  if pg_is_running; then log "PostgreSQL already running on port $PG_PORT"; return 0; fi
  local pg_bin
  if ! pg_bin="$(find_pg_bin)"; then
    if [[ "$install" == "yes" ]]; then
      install_postgres
      pg_bin="$(find_pg_bin)" || die "PostgreSQL was installed but no initdb >= 15 was found under /usr/lib/postgresql/*/bin"
    else
      die "PostgreSQL 15 or newer not found (looked on PATH and under /usr/lib/postgresql/*/bin).
  Install it with:   apt-get install postgresql postgresql-client
  or run:            scripts/services.sh start --install"
    fi
  fi
  local port password pg_dir="$state_dir/pg"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  rm -rf "$pg_dir"
  mkdir -p "$pg_dir/socket"
  printf '%s\n' "$password" > "$pg_dir/pwfile"
  if [[ "$(id -u)" == "0" ]]; then chown -R postgres: "$pg_dir"; fi
  run_as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --pwfile="$pg_dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pg_dir/pwfile"
  cat >>"$pg_dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg_dir/socket'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  if [[ -n "${DATAGUARD_PG_ARCHIVE_COMMAND:-}" ]]; then
    # WAL archiving, for point-in-time recovery tests: archive_command as given (single quotes doubled).
    printf "archive_mode = on\narchive_command = '%s'\narchive_timeout = 0\n" "${DATAGUARD_PG_ARCHIVE_COMMAND//\'/\'\'}" >>"$pg_dir/data/postgresql.conf"
  fi
  if [[ -n "${DATAGUARD_PG_EXTRA_CONF:-}" ]]; then
    printf '%s\n' "$DATAGUARD_PG_EXTRA_CONF" >>"$pg_dir/data/postgresql.conf"
  fi
  # A free port can be taken between the check and the bind (tests start clusters in parallel): try another one.
  local attempt started=no
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    printf 'port = %s\n' "$port" >>"$pg_dir/data/postgresql.conf"
    if run_as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 30 start >/dev/null; then
      started=yes
      break
    fi
    grep -q "Address already in use" "$pg_dir/postgres.log" || break
    log "port $port was taken meanwhile; trying another (attempt $attempt)"
  done
  [[ "$started" == "yes" ]] || { cat "$pg_dir/postgres.log" >&2; die "PostgreSQL did not start"; }
  cat >"$state_dir/pg.env" <<ENV
PG_BIN='$pg_bin'
PG_PORT='$port'
PG_PASSWORD='$password'
ENV
  chmod 600 "$state_dir/pg.env"
  log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port"
}

stop_postgres() {
  if [[ -f "$state_dir/pg.env" ]]; then
    # shellcheck disable=SC1091
    source "$state_dir/pg.env"
    if [[ -f "$state_dir/pg/data/postmaster.pid" ]]; then
      run_as_pg "$PG_BIN/pg_ctl" -D "$state_dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
      log "PostgreSQL stopped"
    fi
  fi
  rm -rf "$state_dir/pg" "$state_dir/pg.env"
}

# ---------------------------------------------------------------- S3 (s3rver)

s3rver_js="$tools_dir/s3rver/node_modules/s3rver/bin/s3rver.js"

ensure_s3rver() {
  [[ -f "$s3rver_js" ]] && return 0
  command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js and npm (apt-get install nodejs npm)"
  log "installing s3rver@$s3rver_version into $tools_dir/s3rver"
  mkdir -p "$tools_dir/s3rver"
  (cd "$tools_dir/s3rver" && npm install --no-audit --no-fund --silent "s3rver@$s3rver_version" >&2) \
    || die "npm install s3rver@$s3rver_version failed"
}

s3_is_running() {
  [[ -f "$state_dir/s3.env" ]] || return 1
  # shellcheck disable=SC1091
  source "$state_dir/s3.env"
  kill -0 "$S3_PID" 2>/dev/null && ! port_is_free "$S3_PORT"
}

start_s3() {
  if s3_is_running; then log "s3rver already running on port $S3_PORT"; return 0; fi
  ensure_s3rver
  local port s3_dir="$state_dir/s3"
  port="$(free_port)"
  rm -rf "$s3_dir"; mkdir -p "$s3_dir/data"
  # scripts/s3rver.js gives s3rver S3's write semantics (an object appears whole or not at all); see its header.
  NODE_OPTIONS=--openssl-legacy-provider nohup node "$repo_root/scripts/s3rver.js" "$s3rver_js" -d "$s3_dir/data" -a 127.0.0.1 -p "$port" \
    --no-vhost-buckets --silent >"$s3_dir/s3rver.log" 2>&1 &
  local pid=$! waited=0
  until ! port_is_free "$port"; do
    kill -0 "$pid" 2>/dev/null || { cat "$s3_dir/s3rver.log" >&2; die "s3rver exited at start"; }
    sleep 0.1; waited=$(( waited + 1 ))
    (( waited < 300 )) || die "s3rver did not listen on port $port within 30 s"
  done
  cat >"$state_dir/s3.env" <<ENV
S3_PID='$pid'
S3_PORT='$port'
ENV
  log "s3rver started on 127.0.0.1:$port"
}

stop_s3() {
  if [[ -f "$state_dir/s3.env" ]]; then
    # shellcheck disable=SC1091
    source "$state_dir/s3.env"
    kill "$S3_PID" 2>/dev/null && log "s3rver stopped" || true
  fi
  rm -rf "$state_dir/s3" "$state_dir/s3.env"
}

# ---------------------------------------------------------------- output

print_env() {
  if pg_is_running; then
    echo "export DATAGUARD_TEST_POSTGRES='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres'"
    echo "export DATAGUARD_TEST_POSTGRES_BIN='$PG_BIN'"
  fi
  if s3_is_running; then
    echo "export DATAGUARD_TEST_S3_ENDPOINT='http://127.0.0.1:$S3_PORT'"
    echo "export DATAGUARD_TEST_S3_ACCESS_KEY='S3RVER'"
    echo "export DATAGUARD_TEST_S3_SECRET_KEY='S3RVER'"
    echo "export DATAGUARD_TEST_S3_STATE_DIR='$state_dir/s3'"
  fi
}

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

main() {
  local command="${1:-}"; shift || true
  local what="all" install="no" arg
  for arg in "$@"; do
    case "$arg" in
      all|postgres|s3) what="$arg" ;;
      --install) install="yes" ;;
      *) usage ;;
    esac
  done
  mkdir -p "$state_dir"
  chmod 755 "$state_dir"
  case "$command" in
    start)
      case "$what" in
        all) start_postgres "$install"; start_s3; ensure_export_tools "$install" ;;
        postgres) start_postgres "$install"; ensure_export_tools "$install" ;;
        s3) start_s3 ;;
      esac
      print_env ;;
    env) print_env ;;
    status)
      if pg_is_running; then echo "postgres: running on 127.0.0.1:$PG_PORT"; else echo "postgres: stopped"; fi
      if s3_is_running; then echo "s3: running on 127.0.0.1:$S3_PORT"; else echo "s3: stopped"; fi ;;
    stop)
      case "$what" in
        all) stop_postgres; stop_s3; rmdir "$state_dir" 2>/dev/null || true ;;
        postgres) stop_postgres ;;
        s3) stop_s3 ;;
      esac ;;
    *) usage ;;
  esac
}

main "$@"
