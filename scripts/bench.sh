#!/usr/bin/env bash
# Benchmarks, each against its baseline in the same run:
#
#   scripts/bench.sh [--quick] [--scale N] [--runs N] ...   the performance table of issue 20 (scripts/bench-table.sh):
#                                                           backup, export, restore, base backup, WAL, peak memory,
#                                                           each against its raw tool; medians of 3; about 15 minutes
#   scripts/bench.sh storage [BenchmarkDotNet arguments]    storage throughput (BenchmarkDotNet, in-process) and the peak
#                                                           memory of each storage operation; about 3 minutes
#   scripts/bench-db.sh export                              export throughput (BenchmarkDotNet, in-process)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
if [[ "${1:-}" != "storage" ]]; then
  exec bash scripts/bench-table.sh "$@"
fi
shift

export DATAGUARD_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench.XXXXXX")"
chmod 755 "$DATAGUARD_STATE_DIR"
trap 'bash scripts/services.sh stop >/dev/null 2>&1; rm -rf "$DATAGUARD_STATE_DIR"' EXIT
eval "$(bash scripts/services.sh start s3)"
export DATAGUARD_TEST_S3_ENDPOINT DATAGUARD_TEST_S3_ACCESS_KEY DATAGUARD_TEST_S3_SECRET_KEY

dotnet build benchmarks/DataGuard.Benchmarks -c Release --nologo -clp:ErrorsOnly -v q
bench=(dotnet run --project benchmarks/DataGuard.Benchmarks -c Release --no-build --)

echo "== Peak memory, one process per operation"
for op in file-copy disk-upload s3-upload s3-download; do "${bench[@]}" peak "$op"; done

echo "== Throughput (BenchmarkDotNet)"
if (( $# == 0 )); then set -- --filter '*StorageThroughput*' --job short --inProcess; fi
"${bench[@]}" "$@"
