#!/usr/bin/env bash
# WAL push throughput: `dataguard wal push` (one process per segment, as archive_command runs it) against `cp` of the
# same files in the same run, on real-size segments (16 MiB: half random bytes, half zeros, as WAL often is).
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

printf 'cp + sync (baseline):   %6.2f s for %d segments, %6.1f segments/s\n' "$cp_secs" "$count" "$(echo "$count / $cp_secs" | bc -l)"
printf 'dataguard wal push:     %6.2f s for %d segments, %6.1f segments/s, %.1fx the baseline\n' "$dg_secs" "$count" "$(echo "$count / $dg_secs" | bc -l)" "$(echo "$dg_secs / $cp_secs" | bc -l)"
echo "stored: $(du -sh "$work/dg-archive" | cut -f1) for $(du -sh "$work/segments" | cut -f1) of segments"
