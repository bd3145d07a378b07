#!/usr/bin/env bash
# Retention delete throughput: one plain DELETE vs RetentionRunner in batches, on 600,000 rows, in one process.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export DATAGUARD_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-retention.XXXXXX")"
chmod 755 "$DATAGUARD_STATE_DIR"
trap 'bash scripts/services.sh stop >/dev/null 2>&1; rm -rf "$DATAGUARD_STATE_DIR"' EXIT
eval "$(bash scripts/services.sh start postgres)"
export DATAGUARD_TEST_POSTGRES
dotnet build benchmarks/DataGuard.Benchmarks -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
dotnet run --project benchmarks/DataGuard.Benchmarks -c Release --no-build -- retention
