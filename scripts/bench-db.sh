#!/usr/bin/env bash
# Database benchmarks of DataGuard.Benchmarks against a throwaway PostgreSQL, each in one process:
#   scripts/bench-db.sh migrations   migration ledger overhead: 120 migrations directly vs through Migrator; rollback of all
#   scripts/bench-db.sh retention    retention deletes: one plain DELETE vs RetentionRunner in batches, on 600,000 rows
#   scripts/bench-db.sh export-latency   self-service export request-to-ready, p50 and p95 over 30 subjects
#   scripts/bench-db.sh export       export throughput (BenchmarkDotNet): CSV, JSON, NDJSON, PDF vs COPY csv; ~10 min
set -euo pipefail
mode="${1:-}"
[[ "$mode" =~ ^(migrations|retention|export-latency|export)$ ]] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export DATAGUARD_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-db.XXXXXX")"
chmod 755 "$DATAGUARD_STATE_DIR"
trap 'bash scripts/services.sh stop >/dev/null 2>&1; rm -rf "$DATAGUARD_STATE_DIR"' EXIT
eval "$(bash scripts/services.sh start postgres)"
export DATAGUARD_TEST_POSTGRES
dotnet build benchmarks/DataGuard.Benchmarks -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
if [[ "$mode" == "export" ]]; then
  shift
  (( $# > 0 )) || set -- --filter '*ExportThroughput*' --job short --inProcess
  dotnet run --project benchmarks/DataGuard.Benchmarks -c Release --no-build -- "$@"
else
  dotnet run --project benchmarks/DataGuard.Benchmarks -c Release --no-build -- "$mode"
fi
