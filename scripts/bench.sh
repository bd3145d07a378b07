#!/usr/bin/env bash
# Benchmarks against a throwaway s3rver: BenchmarkDotNet throughput (ratios against a file copy in the same run)
# and the peak memory of each storage operation in a process of its own.
#
#   scripts/bench.sh                 all storage benchmarks (about 3 minutes)
#   scripts/bench.sh --filter '*'    any BenchmarkDotNet arguments
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
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
