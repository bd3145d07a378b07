#!/usr/bin/env bash
# WAL push throughput: `dataguard wal push` (one process per segment, as archive_command runs it) and the spooled
# asynchronous archiver (`cp` into a spool + `dataguard wal archiver --once --parallel 4`), against `cp` of the same
# files in the same run, on real-size segments (16 MiB: half random bytes, half zeros, as WAL often is).
#
#   scripts/bench-wal.sh [SEGMENTS]     (default 20)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
count="${1:-20}"
work="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-wal.XXXXXX")"
trap 'rm -rf "$work"' EXIT
dotnet build src/DataGuard.Cli -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
cli="$repo_root/artifacts/bin/DataGuard.Cli/release/DataGuard.Cli.dll"

mkdir -p "$work/segments" "$work/cp-archive"
for i in $(seq 1 "$count"); do
  name="$(printf '0000000100000000%08X' "$i")"
  { head -c 8388608 /dev/urandom; head -c 8388608 /dev/zero; } >"$work/segments/$name"
done
export DataGuard__Storage__Provider=FileSystem DataGuard__Storage__FileSystem__Root="$work/dg-archive"

start=$(date +%s.%N)
for f in "$work"/segments/*; do cp "$f" "$work/cp-archive/" && sync "$work/cp-archive/$(basename "$f")"; done
cp_secs=$(echo "$(date +%s.%N) - $start" | bc)

start=$(date +%s.%N)
for f in "$work"/segments/*; do dotnet "$cli" wal push "$f"; done
dg_secs=$(echo "$(date +%s.%N) - $start" | bc)

mkdir -p "$work/spool"
export DataGuard__Storage__FileSystem__Root="$work/dg-spooled-archive"
start=$(date +%s.%N)
for f in "$work"/segments/*; do n="$(basename "$f")"; cp "$f" "$work/spool/.$n" && sync "$work/spool/.$n" && mv "$work/spool/.$n" "$work/spool/$n"; done
spool_cp_secs=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
dotnet "$cli" wal archiver --spool "$work/spool" --once --parallel 4 >/dev/null
drain_secs=$(echo "$(date +%s.%N) - $start" | bc)
spool_secs=$(echo "$spool_cp_secs + $drain_secs" | bc)

printf 'cp + sync (baseline):   %6.2f s for %d segments, %6.1f segments/s\n' "$cp_secs" "$count" "$(echo "$count / $cp_secs" | bc -l)"
printf 'dataguard wal push:     %6.2f s for %d segments, %6.1f segments/s, %.1fx the baseline\n' "$dg_secs" "$count" "$(echo "$count / $dg_secs" | bc -l)" "$(echo "$dg_secs / $cp_secs" | bc -l)"
printf 'spool + wal archiver:   %6.2f s for %d segments, %6.1f segments/s, %.1fx the baseline (archive_command %.2f s, archiver drain %.2f s with 4 in parallel)\n' "$spool_secs" "$count" "$(echo "$count / $spool_secs" | bc -l)" "$(echo "$spool_secs / $cp_secs" | bc -l)" "$spool_cp_secs" "$drain_secs"
echo "stored: $(du -sh "$work/dg-archive" | cut -f1) for $(du -sh "$work/segments" | cut -f1) of segments"
