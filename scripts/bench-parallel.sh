#!/usr/bin/env bash
# Parallel backup benchmark (issue 20, item 3): single-stream vs Backup:Parallelism = 2 and 4, backup and restore,
# in one run over one data set of eight large tables (built once), to local disk with the product's defaults
# (zstd 3, VerifyAfterBackup on; restore = checksum of every object first, then pg_restore, then row counts).
# Prints each timing with the machine's CPU use during it (busy share of all cores: a single stream that already keeps
# them busy leaves a parallel run nothing to gain), the medians over RUNS runs, the ratios single / parallel, and the
# load average.
#
#   scripts/bench-parallel.sh [SIZE_GB]        (default 4; RUNS=3, MODES="1 2 4" in the environment)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
size_gb="${1:-4}"
runs="${RUNS:-3}"
modes="${MODES:-1 2 4}"

export DATAGUARD_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-parallel.XXXXXX")"
chmod 755 "$DATAGUARD_STATE_DIR"
work="$DATAGUARD_STATE_DIR/work"
mkdir -p "$work"
trap 'bash scripts/services.sh stop >/dev/null 2>&1; rm -rf "$DATAGUARD_STATE_DIR"' EXIT
eval "$(bash scripts/services.sh start postgres)"
bin="$DATAGUARD_TEST_POSTGRES_BIN"
port="$(sed -E 's/.*Port=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")"
export PGPASSWORD="$(sed -E 's/.*Password=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")" PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== Building"
dotnet build src/DataGuard.Cli -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
cli="$repo_root/artifacts/bin/DataGuard.Cli/release/DataGuard.Cli.dll"

# Eight tables of SIZE_GB/8 each: bigint key (primary key), an int, 96 characters of text, a timestamp (~150 B a row
# on disk with its index share), so about 7 M rows per GB.
rows=$(awk -v g="$size_gb" 'BEGIN { printf "%d", g * 7000000 / 8 }')
echo "== Creating the database: 8 tables x $rows rows (~${size_gb} GB)"
"$bin/createdb" benchpar
for i in 1 2 3 4 5 6 7 8; do
  "$bin/psql" -q -d benchpar -c "CREATE TABLE t$i (id bigint PRIMARY KEY, n int NOT NULL, body text NOT NULL, at timestamptz NOT NULL)" \
    -c "INSERT INTO t$i SELECT g, g % 1000, md5(g::text) || md5((g + $i)::text) || md5((g * $i)::text), TIMESTAMPTZ '2026-01-01' + g * INTERVAL '1 second' FROM generate_series(1, $rows) g" >/dev/null
done
"$bin/psql" -q -d benchpar -c "VACUUM ANALYZE" >/dev/null
echo "   database size: $("$bin/psql" -At -d benchpar -c "SELECT pg_size_pretty(pg_database_size('benchpar'))")"

config() { # parallelism -> config path
  cat >"$work/p$1.json" <<JSON
{ "DataGuard": {
  "Postgres": { "ConnectionString": "Host=127.0.0.1;Port=$port;Username=postgres;Database=benchpar" },
  "Storage": { "Provider": "FileSystem", "FileSystem": { "Root": "$work/storage-p$1" } },
  "Backup": { "Parallelism": $1, "StagingDirectory": "$work/staging" } } }
JSON
  echo "$work/p$1.json"
}
export DataGuard__Postgres__ConnectionString="Host=127.0.0.1;Port=$port;Username=postgres;Password=$PGPASSWORD;Database=benchpar"

cpu_ticks() { # -> "busy total" jiffies of all cores since boot (/proc/stat; iowait counts as idle)
  awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}
seconds() { # command... -> wall seconds on stdout; the machine's CPU use during it (percent of all cores) in $work/cpu
  local start end before after
  before=$(cpu_ticks)
  start=$(date +%s.%N)
  "$@" >"$work/out" 2>"$work/err" || { cat "$work/out" "$work/err" >&2; exit 1; }
  end=$(date +%s.%N)
  after=$(cpu_ticks)
  awk -v b="$before" -v a="$after" 'BEGIN { split(b, x, " "); split(a, y, " "); printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }' >"$work/cpu"
  echo "$end - $start" | bc
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A backup_times restore_times
for run in $(seq 1 "$runs"); do
  for p in $modes; do
    cfg="$(config "$p")"
    rm -rf "$work/storage-p$p"
    t=$(seconds dotnet "$cli" backup run --config "$cfg")
    backup_cpu=$(cat "$work/cpu")
    backup_times[$p]+="$t "
    stored=$(du -sm "$work/storage-p$p" | cut -f1)
    "$bin/dropdb" --if-exists "r_p$p" 2>/dev/null
    r=$(seconds dotnet "$cli" restore latest --config "$cfg" --to-database "r_p$p" --create)
    restore_cpu=$(cat "$work/cpu")
    restore_times[$p]+="$r "
    grep -q "DIFF" "$work/out" && { echo "row counts differ after the restore:" >&2; cat "$work/out" >&2; exit 1; }
    printf 'run %d  Parallelism=%d  backup %8.1f s (CPU %3d%%)  restore %8.1f s (CPU %3d%%)  stored %6d MiB  load %s\n' "$run" "$p" "$t" "$backup_cpu" "$r" "$restore_cpu" "$stored" "$(cut -d' ' -f1 /proc/loadavg)"
    "$bin/dropdb" "r_p$p"
  done
done

echo "== Medians over $runs run(s) (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
single_b=$(median <<<"${backup_times[1]:-}")
single_r=$(median <<<"${restore_times[1]:-}")
for p in $modes; do
  b=$(median <<<"${backup_times[$p]}")
  r=$(median <<<"${restore_times[$p]}")
  if [[ -n "$single_b" && "$p" != 1 ]]; then
    printf 'Parallelism=%d  backup %8.1f s (%.2fx faster than single-stream)  restore %8.1f s (%.2fx)\n' "$p" "$b" "$(echo "$single_b / $b" | bc -l)" "$r" "$(echo "$single_r / $r" | bc -l)"
  else
    printf 'Parallelism=%d  backup %8.1f s  restore %8.1f s\n' "$p" "$b" "$r"
  fi
done
