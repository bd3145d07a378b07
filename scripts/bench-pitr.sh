#!/usr/bin/env bash
# Point-in-time recovery benchmark, in one run:
#   base backup:  `dataguard backup run --kind physical` (disk) vs `pg_basebackup -Ft -D - > /dev/null`
#   recovery:     `dataguard pitr restore --latest --start` of that base backup plus the archived WAL
# on a cluster of about 1 GB (pgbench -i -s SCALE, default 65) whose archive_command is `dataguard wal push`.
#
#   scripts/bench-pitr.sh [SCALE]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
scale="${1:-65}"
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
dotnet build src/DataGuard.Cli -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
cli="$repo_root/artifacts/bin/DataGuard.Cli/release/DataGuard.Cli.dll"

root="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-pitr.XXXXXX")"
chmod 755 "$root"
mkdir -p "$root/storage" "$root/cluster"
chmod 777 "$root/storage"
chmod 755 "$root/cluster"
export DATAGUARD_STATE_DIR="$root/cluster"
restored="$root/restored"
cleanup() {
  runuser -u postgres -- "$DATAGUARD_TEST_POSTGRES_BIN/pg_ctl" -D "$restored" -m immediate stop >/dev/null 2>&1 || true
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
cat >"$root/dataguard.json" <<JSON
{ "DataGuard": { "Storage": { "Provider": "FileSystem", "FileSystem": { "Root": "$root/storage" } },
                 "Backup": { "Compression": { "Level": 1 }, "VerifyAfterBackup": false } } }
JSON
chmod 644 "$root/dataguard.json"
eval "$(DATAGUARD_PG_ARCHIVE_COMMAND="dotnet $cli wal push %p --config $root/dataguard.json" bash scripts/services.sh start postgres)"
bin="$DATAGUARD_TEST_POSTGRES_BIN"
port="$(sed -E 's/.*Port=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")"
export PGPASSWORD="$(sed -E 's/.*Password=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")" PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres
export DataGuard__Postgres__ConnectionString="$DATAGUARD_TEST_POSTGRES"

measure() {
  local label="$1"; shift
  /usr/bin/time -o "$root/time" -f '%e %M' "$@" >/dev/null 2>"$root/err" || { cat "$root/err" >&2; exit 1; }
  read -r secs kib <"$root/time"
  printf '%-52s %8.2f s %8d MiB\n' "$label" "$secs" $(( kib / 1024 ))
}

echo "== Loading pgbench scale $scale"
"$bin/pgbench" -i -q -s "$scale" postgres >/dev/null 2>&1
echo "   cluster size: $("$bin/psql" -At -d postgres -c "SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database")"
echo "== Waiting for the load's WAL to be archived"
last="$("$bin/psql" -At -d postgres -c "SELECT pg_walfile_name(pg_switch_wal())")"
until [[ "$("$bin/psql" -At -d postgres -c "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver")" == "t" ]]; do sleep 1; done
start=$(date +%s.%N)
echo "== Base backup"
measure "pg_basebackup -Ft -D - > /dev/null (baseline)" bash -c "'$bin/pg_basebackup' -D - -Ft -X fetch --checkpoint=fast > /dev/null"
measure "dataguard backup run --kind physical (disk, zstd 1)" dotnet "$cli" backup run --kind physical --config "$root/dataguard.json"
measure "dataguard backup verify latest (the base backup)" dotnet "$cli" backup verify latest --config "$root/dataguard.json"
"$bin/pgbench" -T 10 -c 2 postgres >/dev/null 2>&1
last="$("$bin/psql" -At -d postgres -c "SELECT pg_walfile_name(pg_switch_wal())")"
until [[ "$("$bin/psql" -At -d postgres -c "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver")" == "t" ]]; do sleep 1; done
echo "   WAL archived after the base backup: $(ls "$root/storage/wal/00000001" | wc -l) files in the archive"
echo "== Restore and recover"
rport=$(( port + 1 ))
measure "dataguard pitr restore --latest --start" dotnet "$cli" pitr restore --data-dir "$restored" --latest --start --port "$rport" --config "$root/dataguard.json"
echo "   restored: $(PGPORT=$rport "$bin/psql" -At -d postgres -c "SELECT count(*) FROM pgbench_accounts") accounts"
