#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL and s3rver, and prints the totals as
# `N passed, N failed, N skipped`. Exit code: non-zero when a test failed or none ran.
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Storage]
#
# Services: reuses DATAGUARD_TEST_POSTGRES / DATAGUARD_TEST_S3_ENDPOINT when set, else starts them with
# scripts/services.sh (installing s3rver with npm on first use) and stops them at the end.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
results_dir="$repo_root/artifacts/test-results"
rm -rf "$results_dir"
mkdir -p "$results_dir"

started_services=no
integration_pid=""
cleanup() {
  if [[ -n "$integration_pid" ]] && kill -0 "$integration_pid" 2>/dev/null; then
    kill -TERM -- "-$integration_pid" 2>/dev/null || true
  fi
  if [[ "$started_services" == "yes" ]]; then
    DATAGUARD_STATE_DIR="$state_dir" bash scripts/services.sh stop >/dev/null 2>&1 || true
    rm -rf "$state_dir"
  fi
}
trap cleanup EXIT

if [[ -z "${DATAGUARD_TEST_POSTGRES:-}" || -z "${DATAGUARD_TEST_S3_ENDPOINT:-}" ]]; then
  state_dir="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-test-services.XXXXXX")"
  chmod 755 "$state_dir"
  started_services=yes
  install_flag=()
  [[ "${CI:-}" == "true" ]] && install_flag=(--install)
  eval "$(DATAGUARD_STATE_DIR="$state_dir" bash scripts/services.sh start all "${install_flag[@]}")"
fi
export DATAGUARD_TEST_POSTGRES DATAGUARD_TEST_S3_ENDPOINT DATAGUARD_TEST_S3_ACCESS_KEY DATAGUARD_TEST_S3_SECRET_KEY
export DATAGUARD_TEST_POSTGRES_BIN="${DATAGUARD_TEST_POSTGRES_BIN:-}"

# Build once (both cores), then run the integration suite (the long one: real servers, chaos, large tables) in the
# background while the other test projects run one after another beside it: their time hides behind its.
no_build=no
for arg in "$@"; do [[ "$arg" == "--no-build" ]] && no_build=yes; done
set +e
build_exit=0
if [[ "$no_build" == "no" ]]; then
  dotnet build DataGuard.sln -c Release --nologo -clp:"ErrorsOnly;Summary" -v q
  build_exit=$?
fi

test_exit=0
if (( build_exit == 0 )); then
  # One results folder per test project (default TRX names: two projects finishing in the same second in two processes
  # would otherwise pick the same name). Counted below.
  run_project() { # project
    dotnet test "$1" -c Release --no-build \
      --logger "trx" --results-directory "$results_dir/$(basename "$1" .csproj)" \
      --logger "console;verbosity=minimal" "${extra[@]}"
  }
  extra=()
  for arg in "$@"; do [[ "$arg" == "--no-build" ]] || extra+=("$arg"); done
  integration=tests/DataGuard.IntegrationTests/DataGuard.IntegrationTests.csproj
  # Started with job control on: an asynchronous command of a script otherwise ignores SIGINT, the dotnet processes
  # inherit that, and the tests that stop a DataGuard CLI with SIGINT (Ctrl+C) would find it ignored. Its own process
  # group, so the EXIT trap stops it with everything it started.
  set -m
  run_project "$integration" &
  integration_pid=$!
  set +m
  while read -r project; do
    [[ "$project" == "$integration" ]] && continue
    run_project "$project" || test_exit=$?
  done < <(dotnet sln DataGuard.sln list | grep '^tests/.*\.csproj$')
  wait "$integration_pid" || test_exit=$?
else
  test_exit=$build_exit
fi
set -e

# Sum the <Counters> of every TRX file: one per test project. A skipped test counts in total, not in executed
# (xunit leaves notExecuted at 0), so skipped = total - executed.
read -r passed failed skipped total < <(
  find "$results_dir" -name '*.trx' -print0 | xargs -0 -r cat | tr '\n' ' ' |
    grep -o '<Counters [^>]*>' |
    awk '{
      for (i = 1; i <= NF; i++) {
        split($i, kv, "="); gsub(/[^0-9]/, "", kv[2]);
        if (kv[1] == "total") { t += kv[2]; s += kv[2] }
        if (kv[1] == "executed") s -= kv[2];
        if (kv[1] == "passed") p += kv[2];
        if (kv[1] == "failed") f += kv[2];
        if (kv[1] == "error" || kv[1] == "timeout" || kv[1] == "aborted") f += kv[2];
      }
    } END { printf "%d %d %d %d\n", p, f, s, t }'
)

# Every test project in the solution must have written its results: a missing TRX file is a project not counted.
projects=$(dotnet sln DataGuard.sln list | grep -c '^tests/.*\.csproj$' || true)
trx_files=$(find "$results_dir" -name '*.trx' | wc -l)
if (( trx_files < projects )); then
  echo "only $trx_files of $projects test projects wrote results to $results_dir" >&2
  failed=$(( failed + 1 ))
fi

if (( test_exit != 0 && failed == 0 )); then
  echo "dotnet test exited with $test_exit (build failure or crashed test host)" >&2
  failed=$(( failed + 1 ))
fi
echo "$passed passed, $failed failed, $skipped skipped"
if (( failed > 0 )); then exit 1; fi
if (( total == 0 )); then echo "no test ran" >&2; exit 1; fi
