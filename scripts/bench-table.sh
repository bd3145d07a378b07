#!/usr/bin/env bash
# The performance table of issue 20 in one run: every DataGuard operation against its raw-tool baseline, each pair
# interleaved (baseline, then DataGuard, RUNS times), medians, ratios, and the load average before and after each row.
#
#   scripts/bench-table.sh [--quick] [--scale N] [--text-mb N] [--runs N] [--segments N]
#
#   --scale N     pgbench scale of the main database (default 30: a 456 MB database, 3 M accounts)
#   --text-mb N   size of the random-text table of the second database (default 400 MiB of dump)
#   --runs N      runs per measurement; the median is reported (default 3)
#   --segments N  WAL segments archived and replayed by the WAL rows (scripts/bench-wal.sh; default 200)
#   --quick       smoke run: scale 2, 20 MiB of text, 1 run, 10 segments
#   --rows LIST   only these groups, comma-separated: logical,export,restore,base,memory,wal (default: all)
#
# Wall times are whole processes (start-up included), measured with /usr/bin/time, which also gives the peak RSS.
# The machine is shared: read the ratios, and the load average printed with each row.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
scale=30 text_mb=400 runs=3 segments=200 groups=logical,export,restore,base,memory,wal
while (( $# > 0 )); do
  case "$1" in
    --quick) scale=2 text_mb=20 runs=1 segments=10 ;;
    --scale) scale="$2"; shift ;;
    --text-mb) text_mb="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --segments) segments="$2"; shift ;;
    --rows) groups="$2"; shift ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done
for tool in /usr/bin/time zstd sha256sum bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (apt-get install time zstd bc)" >&2; exit 1; }
done

export DATAGUARD_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-table.XXXXXX")"
chmod 755 "$DATAGUARD_STATE_DIR"
work="$DATAGUARD_STATE_DIR/work"
mkdir -p "$work"
chmod 777 "$work"
trap 'bash scripts/services.sh stop >/dev/null 2>&1; rm -rf "$DATAGUARD_STATE_DIR"' EXIT
eval "$(bash scripts/services.sh start all)"
bin="$DATAGUARD_TEST_POSTGRES_BIN"
port="$(sed -E 's/.*Port=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")"
export PGPASSWORD="$(sed -E 's/.*Password=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")" PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')"
echo "   scale $scale, text $text_mb MiB, median of $runs, $segments WAL segments"
# The CLI as users get it from its linux-x64 tool package: native code (Native AOT; docs/benchmarks.md).
cli="$(bash scripts/publish-cli.sh "$DATAGUARD_STATE_DIR/cli")"
dg() { "$cli" "$@"; }

echo "== Creating the databases"
"$bin/createdb" bench
"$bin/pgbench" -i -q -s "$scale" bench >/dev/null 2>&1
"$bin/createdb" text
"$bin/psql" -q -d text -c "CREATE TABLE documents AS SELECT g AS id, (SELECT string_agg(md5(g::text || '-' || i::text), ' ') FROM generate_series(1, 30) i) AS body FROM generate_series(1, $(( text_mb * 1024 * 1024 / 1000 ))) g" >/dev/null
"$bin/psql" -q -d bench -c "VACUUM ANALYZE" >/dev/null
"$bin/psql" -q -d text -c "VACUUM ANALYZE" >/dev/null
echo "   bench: $("$bin/psql" -At -d bench -c "SELECT pg_size_pretty(pg_database_size('bench'))"), text: $("$bin/psql" -At -d text -c "SELECT pg_size_pretty(pg_database_size('text'))")"
"$bin/psql" -q -d postgres -c "CHECKPOINT" >/dev/null
# The kernel writes the new databases' files back for a while after the checkpoint: DataGuard's fsync would wait
# behind that writeback and pg_dump > /dev/null would not, so the first rows are measured once it is done.
sync

config() { # name database provider level verify
  local storage
  if [[ "$3" == "S3" ]]; then
    storage="\"Provider\": \"S3\", \"S3\": { \"Bucket\": \"bench\", \"Prefix\": \"$1\", \"ServiceUrl\": \"$DATAGUARD_TEST_S3_ENDPOINT\", \"AccessKeyId\": \"S3RVER\", \"SecretAccessKey\": \"S3RVER\" }"
  else
    storage="\"Provider\": \"FileSystem\", \"FileSystem\": { \"Root\": \"$work/storage-$1\" }"
  fi
  cat >"$work/$1.json" <<JSON
{ "DataGuard": {
  "Postgres": { "ConnectionString": "Host=127.0.0.1;Port=$port;Username=postgres;Password=$PGPASSWORD;Database=$2" },
  "Storage": { $storage },
  "Backup": { "Compression": { "Level": $4 }, "VerifyAfterBackup": $5 } } }
JSON
  chmod 600 "$work/$1.json"   # it holds the throwaway server's password
  echo "$work/$1.json"
}
curl -s -X PUT "$DATAGUARD_TEST_S3_ENDPOINT/bench" >/dev/null || true

# time_once LABEL CMD... : runs once, appends "seconds kib" to $work/LABEL.times; fails loudly.
time_once() {
  local label="$1"; shift
  if ! /usr/bin/time -o "$work/time" -f '%e %M' "$@" >"$work/out" 2>"$work/err"; then
    echo "bench: '$label' failed:" >&2; tail -20 "$work/err" >&2; exit 1
  fi
  cat "$work/time" >>"$work/$label.times"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
secs() { awk '{ print $1 }' "$work/$1.times" | median; }
peak_mib() { awk '{ print int($2 / 1024) }' "$work/$1.times" | sort -n | tail -1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
rows=()
row() { # operation baseline-label dataguard-label target
  local base dgs
  base="$(secs "$2")"; dgs="$(secs "$3")"
  rows+=("$(printf '| %s | %.2f s | %.2f s | %.2fx | %s | %d MiB | %s |' "$1" "$base" "$dgs" "$(echo "$dgs / $base" | bc -l)" "$4" "$(peak_mib "$3")" "$5")")
  echo "${rows[-1]}"
}
# A fixed cost is a difference, not a ratio: the ratio column says how many seconds DataGuard adds to its baseline.
row_added() { # operation baseline-label dataguard-label target load
  local base dgs
  base="$(secs "$2")"; dgs="$(secs "$3")"
  rows+=("$(printf '| %s | %.2f s | %.2f s | %+.2f s | %s | %d MiB | %s |' "$1" "$base" "$dgs" "$(echo "$dgs - $base" | bc -l)" "$4" "$(peak_mib "$3")" "$5")")
  echo "${rows[-1]}"
}

# tiny_database NAME: a database of one 10-row table (public.t), for the fixed-cost rows.
tiny_database() {
  "$bin/createdb" "$1"
  "$bin/psql" -q -d "$1" -c "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'x' FROM generate_series(1, 10) g" >/dev/null
}

# ---------------------------------------------------------------- logical backup
logical_backup_rows() {
  local l0 defaults noverify text tiny tiny_noverify
  defaults="$(config disk bench FileSystem 3 true)"
  noverify="$(config disk-noverify bench FileSystem 3 false)"
  text="$(config text text FileSystem 3 true)"
  l0="$(load)"
  for _ in $(seq "$runs"); do
    time_once pgdump "$bin/pg_dump" -Fc -Z0 --no-sync -d bench -f /dev/null
    time_once backup "$cli" backup run --config "$defaults"
    time_once backup-noverify "$cli" backup run --config "$noverify"
    rm -f "$work/pipe.zst"
    time_once pipe bash -c "set -o pipefail; '$bin/pg_dump' -Fc -Z0 -d bench | zstd -3 -T0 -q | tee '$work/pipe.zst' | sha256sum >/dev/null && sync '$work/pipe.zst'"
    # The verify-on backup's work, by hand: while they are written, the stored bytes are also checksummed a second time,
    # decompressed, listed by pg_restore (which stops after the table of contents; wc counts the rest) and counted;
    # once on disk they are read back and checksummed. Left out: comparing the sizes and hashes (microseconds).
    rm -f "$work/pipe.zst" "$work/verify.fifo"
    mkfifo "$work/verify.fifo"
    time_once pipe-verify bash -c "set -o pipefail
      (tee >(sha256sum >/dev/null) < '$work/verify.fifo' | zstd -dcq | { '$bin/pg_restore' --list >/dev/null && wc -c >/dev/null; }) & decode=\$!
      '$bin/pg_dump' -Fc -Z0 -d bench | zstd -3 -T0 -q | tee '$work/pipe.zst' '$work/verify.fifo' | sha256sum >/dev/null &&
        sync '$work/pipe.zst' && wait \$decode && sha256sum '$work/pipe.zst' >/dev/null"
    rm -f "$work/pipe.zst" "$work/verify.fifo"
  done
  row "logical backup, defaults (zstd 3, verify on), local disk, pgbench scale $scale" pgdump backup "<= 1.15x" "$l0 / $(load)"
  row "same, VerifyAfterBackup=false" pgdump backup-noverify "<= 1.05x" "$l0 / $(load)"
  row "shell pipe pg_dump -Fc -Z0 \\| zstd -3 -T0 \\| tee file \\| sha256sum; sync file" pgdump pipe "(what is possible)" "$l0 / $(load)"
  row "shell pipe doing what verify on does: the same, the stored bytes also through sha256sum and zstd -d \\| pg_restore --list; wc -c while written, then sha256sum file" pgdump pipe-verify "(what is possible)" "$l0 / $(load)"
  # The fixed cost of a DataGuard backup (process start, configuration, its own connection and exported snapshot, the
  # manifest and its fsyncs), apart from streaming: a database of one 10-row table, where pg_dump's own time is start-up.
  tiny_database tiny
  tiny="$(config tiny tiny FileSystem 3 true)"
  tiny_noverify="$(config tiny-noverify tiny FileSystem 3 false)"
  l0="$(load)"
  for _ in $(seq "$runs"); do
    time_once pgdump-tiny "$bin/pg_dump" -Fc -Z0 --no-sync -d tiny -f /dev/null
    time_once backup-tiny "$cli" backup run --config "$tiny"
    time_once backup-tiny-noverify "$cli" backup run --config "$tiny_noverify"
    time_once true-process /bin/true
    time_once cli-version "$cli" --version
  done
  "$bin/dropdb" tiny   # the base backup row copies the whole cluster
  row_added "fixed cost: logical backup of a database of one 10-row table (verify on); ratio column: seconds added" pgdump-tiny backup-tiny "(the fixed cost)" "$l0 / $(load)"
  row_added "same, VerifyAfterBackup=false" pgdump-tiny backup-tiny-noverify "(the fixed cost)" "$l0 / $(load)"
  row_added "dataguard --version against /bin/true: the native process's start and its command tree" true-process cli-version "(the floor)" "$l0 / $(load)"
  l0="$(load)"
  for _ in $(seq "$runs"); do
    time_once pgdump-text "$bin/pg_dump" -Fc -Z0 --no-sync -d text -f /dev/null
    time_once backup-text "$cli" backup run --config "$text"
    rm -f "$work/pipe-text.zst"
    time_once pipe-text bash -c "set -o pipefail; '$bin/pg_dump' -Fc -Z0 -d text | zstd -3 -T0 -q | tee '$work/pipe-text.zst' | sha256sum >/dev/null && sync '$work/pipe-text.zst'"
  done
  rm -f "$work/pipe-text.zst"
  row "logical backup, ${text_mb} MiB random-text table (zstd 3, verify on, disk)" pgdump-text backup-text "<= 1.6x" "$l0 / $(load)"
  row "shell pipe of the same: pg_dump -Fc -Z0 \\| zstd -3 -T0 \\| tee file \\| sha256sum; sync file" pgdump-text pipe-text "(what is possible)" "$l0 / $(load)"
}

# ---------------------------------------------------------------- export
export_rows() {
  local l0
  [[ -f "$work/disk.json" ]] || config disk bench FileSystem 3 true >/dev/null   # --rows export alone
  l0="$(load)"
  for _ in $(seq "$runs"); do
    rm -f "$work/psql.csv" "$work/dg.csv"
    time_once psql-copy "$bin/psql" -X -q -d bench -c "\\copy (select * from public.pgbench_accounts) to '$work/psql.csv' csv header"
    time_once export "$cli" export table public.pgbench_accounts --out "$work/dg.csv" --all-columns --config "$work/disk.json"
    cmp -s "$work/psql.csv" "$work/dg.csv" || { echo "bench: the exported CSV differs from psql's" >&2; exit 1; }
  done
  row "dataguard export table CSV of $(( scale * 100000 )) rows ($(( $(stat -c %s "$work/dg.csv") / 1000000 )) MB) to a file, byte-identical" psql-copy export "<= 1.10x" "$l0 / $(load)"
  rm -f "$work/psql.csv" "$work/dg.csv"
  # The export's fixed cost, apart from streaming: a table of 10 rows in a database of its own.
  tiny_database tinyx
  config tinyx tinyx FileSystem 3 true >/dev/null
  l0="$(load)"
  for _ in $(seq "$runs"); do
    rm -f "$work/psql.csv" "$work/dg.csv"
    time_once psql-copy-tiny "$bin/psql" -X -q -d tinyx -c "\\copy (select * from public.t) to '$work/psql.csv' csv header"
    time_once export-tiny "$cli" export table public.t --out "$work/dg.csv" --all-columns --config "$work/tinyx.json"
    cmp -s "$work/psql.csv" "$work/dg.csv" || { echo "bench: the exported CSV of the 10-row table differs from psql's" >&2; exit 1; }
  done
  "$bin/dropdb" tinyx
  row_added "fixed cost: export table CSV of a 10-row table; ratio column: seconds added" psql-copy-tiny export-tiny "(the fixed cost)" "$l0 / $(load)"
  rm -f "$work/psql.csv" "$work/dg.csv"
}

# ---------------------------------------------------------------- restore
restore_rows() {
  local l0 i=0 stored counts
  [[ -f "$work/disk.json" ]] || config disk bench FileSystem 3 true >/dev/null   # --rows restore alone
  ls "$work"/storage-disk/backups/*/manifest.json >/dev/null 2>&1 || "$cli" backup run --config "$work/disk.json" >/dev/null
  stored="$(ls -t "$work"/storage-disk/backups/*/data.pgdump.zst | head -1)"
  counts="$("$bin/psql" -At -d bench -c "SELECT string_agg(format('SELECT count(*) FROM %I.%I;', schemaname, relname), ' ') FROM pg_stat_user_tables")"
  "$bin/pg_dump" -Fc -Z0 -d bench -f "$work/plain.dump"
  l0="$(load)"
  for _ in $(seq "$runs"); do
    i=$(( i + 1 ))
    # The same work on both sides: each restores into an empty database created before the clock starts (until
    # 2026-12-01 DataGuard's run also created its database, --create: a CREATE DATABASE of 50-100 ms).
    "$bin/createdb" "base$i"
    "$bin/createdb" "dg$i"
    "$bin/createdb" "sh$i"
    time_once pgrestore "$bin/pg_restore" --no-owner --exit-on-error --single-transaction -d "base$i" "$work/plain.dump"
    time_once restore "$cli" restore latest --config "$work/disk.json" --to-database "dg$i"
    # What DataGuard does, by hand: checksum the stored archive, decompress it into pg_restore, count every table's rows.
    time_once restore-shell bash -c "sha256sum '$stored' >/dev/null && zstd -dcq '$stored' | '$bin/pg_restore' --no-owner --exit-on-error --single-transaction -d sh$i && '$bin/psql' -X -q -d sh$i -c '$counts' >/dev/null"
    "$bin/dropdb" "base$i"; "$bin/dropdb" "dg$i"; "$bin/dropdb" "sh$i"
  done
  row "restore from local disk, checksum first" pgrestore restore "<= 1.15x" "$l0 / $(load)"
  row "shell equivalent: sha256sum file; zstd -dc file \| pg_restore --single-transaction; count(*) of every table" pgrestore restore-shell "(what is possible)" "$l0 / $(load)"
  rm -f "$work/plain.dump"
}

# ---------------------------------------------------------------- base backup
base_backup_rows() {
  local l0 physical
  physical="$(config physical bench FileSystem 1 true)"
  l0="$(load)"
  for _ in $(seq "$runs"); do
    time_once basebackup bash -c "'$bin/pg_basebackup' -D - -Ft -X fetch --checkpoint=fast > /dev/null"
    time_once backup-physical "$cli" backup run --kind physical --config "$physical"
    rm -f "$work/pipe-base.zst"
    time_once pipe-base bash -c "set -o pipefail; '$bin/pg_basebackup' -D - -Ft -X fetch --checkpoint=fast | zstd -1 -T0 -q | tee '$work/pipe-base.zst' | sha256sum >/dev/null && sync '$work/pipe-base.zst'"
  done
  rm -f "$work/pipe-base.zst"
  row "base backup (disk, zstd 1, verify on) of the $("$bin/psql" -At -d postgres -c "SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database") cluster" basebackup backup-physical "<= 1.5x" "$l0 / $(load)"
  row "shell pipe of the same: pg_basebackup -Ft -D - \\| zstd -1 -T0 \\| tee file \\| sha256sum; sync file" basebackup pipe-base "(what is possible)" "$l0 / $(load)"
}

# ---------------------------------------------------------------- peak memory
memory_rows() { # on the random-text database: its archive is large (multipart upload), the worst case for memory
  local l0 s3
  s3="$(config s3 text S3 3 true)"
  l0="$(load)"
  for _ in $(seq "$runs"); do
    time_once pgdump-s3 "$bin/pg_dump" -Fc -Z0 --no-sync -d text -f /dev/null
    time_once backup-s3 "$cli" backup run --config "$s3"
  done
  row "peak memory: logical backup of the ${text_mb} MiB random-text table to s3rver, zstd 3, verify on" pgdump-s3 backup-s3 "<= 150 MiB (peak RSS)" "$l0 / $(load)"
  # The same with smaller part buffers: 8 MiB parts, 2 in flight (3 x 8 MiB instead of 5 x 16 MiB).
  python3 - "$s3" "$work/s3-small.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["DataGuard"]["Storage"]["S3"].update(PartSize=8388608, MaxConcurrentParts=2, Prefix="s3-small")
json.dump(c, open(sys.argv[2], "w"))
PY
  chmod 600 "$work/s3-small.json"
  l0="$(load)"
  for _ in $(seq "$runs"); do
    time_once pgdump-s3-small "$bin/pg_dump" -Fc -Z0 --no-sync -d text -f /dev/null
    time_once backup-s3-small "$cli" backup run --config "$work/s3-small.json"
  done
  row "same, Storage:S3:PartSize 8 MiB, MaxConcurrentParts 2" pgdump-s3-small backup-s3-small "<= 150 MiB (peak RSS)" "$l0 / $(load)"
}

# ---------------------------------------------------------------- WAL
# The product's own paths, measured by scripts/bench-wal.sh (its own throwaway servers): a real PostgreSQL archiving a
# backlog of pgbench's WAL through look-ahead archiving (`wal archiver --pg-data`) and through the spool, until every
# segment is in storage, against an archive_command of cp + sync; and a real PostgreSQL replaying the archived segments through `pitr restore`'s
# default restore_command (shell fast path + background prefetcher), against one `wal fetch` process per segment.
wal_rows() {
  local l0 out value
  l0="$(load)"
  if ! DATAGUARD_BENCH_CLI="$cli" bash scripts/bench-wal.sh "$segments" >"$work/wal.log" 2>&1; then
    echo "bench: scripts/bench-wal.sh failed:" >&2; tail -20 "$work/wal.log" >&2; exit 1
  fi
  value() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$work/wal.log"; }
  rows+=("$(printf '| WAL archiving: a backlog of %d segments of pgbench WAL, look-ahead resident archiver (--pg-data), until all are stored | archive_command cp + sync: %s segments/s | %s segments/s | %.2fx | >= 25 segments/s | - | %s |' "$(value wal_archive_segments)" "$(value wal_archive_cp_sync)" "$(value wal_archive_lookahead_end_to_end)" "$(echo "$(value wal_archive_cp_sync) / $(value wal_archive_lookahead_end_to_end)" | bc -l)" "$l0 / $(load)")")
  echo "${rows[-1]}"
  rows+=("$(printf '| same, through the spool (archive_command copies, resident archiver pushes) | same | %s segments/s | %.2fx | - | - | %s |' "$(value wal_archive_async_end_to_end)" "$(echo "$(value wal_archive_cp_sync) / $(value wal_archive_async_end_to_end)" | bc -l)" "$l0 / $(load)")")
  echo "${rows[-1]}"
  rows+=("$(printf '| WAL replay of %d archived segments by PostgreSQL, each switched after 2,000 rows (pitr restore, default restore_command: fast path + prefetcher) | one wal fetch process per segment: %s segments/s | %s segments/s | %.1fx faster | >= 40 segments/s | - | %s |' "$segments" "$(value wal_replay_per_process)" "$(value wal_replay_prefetch)" "$(echo "$(value wal_replay_prefetch) / $(value wal_replay_per_process)" | bc -l)" "$l0 / $(load)")")
  echo "${rows[-1]}"
}

echo "== Measuring (each row: baseline and DataGuard interleaved, $runs runs)"
wants() { [[ ",$groups," == *",$1,"* ]]; }
wants logical && logical_backup_rows
wants export && export_rows
wants restore && restore_rows
wants base && base_backup_rows
wants memory && memory_rows
wants wal && wal_rows

echo
echo "== Issue 20 table, $(date -u '+%Y-%m-%d %H:%M UTC'), median of $runs, load average (1/5/15 min) before / after each row"
echo
echo "| operation | baseline | DataGuard | ratio | target | DataGuard peak RSS | load before / after |"
echo "| --- | ---: | ---: | ---: | --- | ---: | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "== Every run, in the order measured (seconds): the spread behind each median"
for times in "$work"/*.times; do
  printf '   %-24s %s\n' "$(basename "$times" .times)" "$(awk '{ printf "%s ", $1 }' "$times")"
done
