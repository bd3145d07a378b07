#!/usr/bin/env bash
# Export throughput (BenchmarkDotNet, MemoryDiagnoser) against a throwaway PostgreSQL: CSV, CSV through CsvHelper,
# JSON, NDJSON and PDF on tables of 100,000 and 1,000,000 mixed-type rows, as ratios against reading
# COPY ... (FORMAT csv) through Npgsql in the same run. About 10 minutes.
#   scripts/bench-export.sh [BenchmarkDotNet arguments]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export DATAGUARD_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-export.XXXXXX")"
chmod 755 "$DATAGUARD_STATE_DIR"
trap 'bash scripts/services.sh stop >/dev/null 2>&1; rm -rf "$DATAGUARD_STATE_DIR"' EXIT
eval "$(bash scripts/services.sh start postgres)"
export DATAGUARD_TEST_POSTGRES
dotnet build benchmarks/DataGuard.Benchmarks -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
if (( $# == 0 )); then set -- --filter '*ExportThroughput*' --job short --inProcess; fi
dotnet run --project benchmarks/DataGuard.Benchmarks -c Release --no-build -- "$@"
