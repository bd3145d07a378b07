#!/usr/bin/env bash
# Backup and restore benchmark, as ratios against the raw PostgreSQL tools in the same run:
#   backup:  `dataguard backup run` (to disk and to s3rver, zstd level 1 and 3) vs `pg_dump -Fc -Z0 > /dev/null`
#   restore: `dataguard restore` (checksum pre-read included, and with --no-verify) vs `pg_restore` of a local uncompressed file
# Database: pgbench -i -s SCALE (default 20) plus a text-heavy table of TEXT_MB (default 200) MiB, so the dump is
# larger than the 200 MB memory target. Peak memory is the max RSS reported by /usr/bin/time.
#
#   scripts/bench-backup.sh [SCALE] [TEXT_MB]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
scale="${1:-20}"
text_mb="${2:-200}"
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

export DATAGUARD_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-backup.XXXXXX")"
chmod 755 "$DATAGUARD_STATE_DIR"
work="$DATAGUARD_STATE_DIR/work"
mkdir -p "$work"
trap 'bash scripts/services.sh stop >/dev/null 2>&1; rm -rf "$DATAGUARD_STATE_DIR"' EXIT
eval "$(bash scripts/services.sh start)"
bin="$DATAGUARD_TEST_POSTGRES_BIN"
port="$(sed -E 's/.*Port=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")"
export PGPASSWORD="$(sed -E 's/.*Password=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")" PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres

echo "== Building"
# The CLI as users get it from its linux-x64 tool package: self-contained, one composite ReadyToRun image (docs/benchmarks.md).
cli="$(bash scripts/publish-cli.sh "$DATAGUARD_STATE_DIR/cli")"

echo "== Creating the database: pgbench scale $scale + $text_mb MiB of text"
"$bin/createdb" bench
"$bin/pgbench" -i -q -s "$scale" bench >/dev/null 2>&1
rows=$(( text_mb * 1024 ))
"$bin/psql" -q -d bench -c "CREATE TABLE documents AS SELECT g AS id, (SELECT string_agg(md5(g::text || '-' || i::text), ' ') FROM generate_series(1, 30) i) AS body FROM generate_series(1, $rows) g" >/dev/null
"$bin/psql" -q -d bench -c "VACUUM ANALYZE" >/dev/null
echo "   database size: $("$bin/psql" -At -d bench -c "SELECT pg_size_pretty(pg_database_size('bench'))")"

measure() { # label command... -> prints "label seconds peak_MiB"
  local label="$1"; shift
  local out
  /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r secs kib <"$work/time"
  printf '%-44s %8.2f s %8d MiB\n' "$label" "$secs" $(( kib / 1024 ))
}

config() { # name provider level [native: true|false]
  local storage
  if [[ "$2" == "S3" ]]; then
    storage="\"Provider\": \"S3\", \"S3\": { \"Bucket\": \"bench\", \"Prefix\": \"$1\", \"ServiceUrl\": \"$DATAGUARD_TEST_S3_ENDPOINT\", \"AccessKeyId\": \"S3RVER\", \"SecretAccessKey\": \"S3RVER\" }"
  else
    storage="\"Provider\": \"FileSystem\", \"FileSystem\": { \"Root\": \"$work/storage-$1\" }"
  fi
  cat >"$work/$1.json" <<JSON
{ "DataGuard": {
  "Postgres": { "ConnectionString": "Host=127.0.0.1;Port=$port;Username=postgres;Database=bench" },
  "Storage": { $storage },
  "Backup": { "Compression": { "Level": $3, "UseNativeLibrary": ${4:-true} }, "VerifyAfterBackup": false } } }
JSON
  echo "$work/$1.json"
}
# The bucket for the S3 runs.
curl -s -X PUT "$DATAGUARD_TEST_S3_ENDPOINT/bench" >/dev/null || true
export DataGuard__Postgres__ConnectionString="Host=127.0.0.1;Port=$port;Username=postgres;Password=$PGPASSWORD;Database=bench"

echo "== Backup (wall time, peak RSS)"
measure "dataguard --version (CLI start-up, reference)" "$cli" --version
measure "pg_dump -Fc -Z0 > /dev/null (baseline)" "$bin/pg_dump" -Fc -Z0 --no-sync -d bench -f /dev/null
measure "pg_dump -Fc (gzip 6) > /dev/null" "$bin/pg_dump" -Fc --no-sync -d bench -f /dev/null
for level in 1 3; do
  measure "dataguard backup run, disk, zstd $level" "$cli" backup run --config "$(config disk$level FileSystem $level)"
  measure "dataguard backup run, s3rver, zstd $level" "$cli" backup run --config "$(config s3$level S3 $level)"
done
measure "dataguard backup run, disk, zstd 3, managed zstd" "$cli" backup run --config "$(config diskmanaged FileSystem 3 false)"
measure "dataguard backup run, s3rver, zstd 3, managed zstd" "$cli" backup run --config "$(config s3managed S3 3 false)"
measure "dataguard backup verify latest (disk, zstd 3)" "$cli" backup verify latest --config "$work/disk3.json"
measure "dataguard backup verify latest (s3rver, zstd 3)" "$cli" backup verify latest --config "$work/s33.json"
ls -l "$work"/storage-disk3/backups/*/data.* | awk '{print "   stored archive (zstd 3): " int($5/1048576) " MiB"}'

echo "== Restore (wall time, peak RSS)"
"$bin/pg_dump" -Fc -Z0 -d bench -f "$work/plain.dump"
echo "   raw dump: $(( $(stat -c %s "$work/plain.dump") / 1048576 )) MiB"
"$bin/createdb" restore_baseline
measure "pg_restore of a local file (baseline)" "$bin/pg_restore" --no-owner --exit-on-error --single-transaction -d restore_baseline "$work/plain.dump"
measure "dataguard restore (disk, checksum first)" "$cli" restore latest --config "$work/disk3.json" --to-database restore_dg1 --create
measure "dataguard restore (disk, --no-verify)" "$cli" restore latest --config "$work/disk3.json" --to-database restore_dg2 --create --no-verify
measure "dataguard restore (s3rver, checksum first)" "$cli" restore latest --config "$work/s33.json" --to-database restore_dg3 --create
