#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL and s3rver, and prints the totals as
# `N passed, N failed, N skipped`. Exit code: non-zero when a test failed or none ran.
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Storage] [--no-build]
#
# Builds the solution (Release) once, then runs tests/DataGuard.IntegrationTests in the background while the other test
# projects run one after another beside it. Every test project must write exactly one TRX file, else it counts as a
# failure. Arguments that choose what is built (-c, -f, -r, -p:) are refused: the build is always Release.
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
interrupted=no
# The integration suite and everything it started (test host, chaos CLIs, PostgreSQL clusters stay in their own
# sessions and are the fixtures' to stop): TERM, up to 20 s to end, then KILL.
descendants() { local child; for child in $(pgrep -P "$1" 2>/dev/null); do descendants "$child"; echo "$child"; done; }
stop_integration() {
  [[ -n "$integration_pid" ]] || return 0
  local pids
  pids="$(descendants "$integration_pid") $integration_pid"
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 $pids 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL $pids 2>/dev/null || true
}
cleanup() {
  stop_integration
  if [[ "$started_services" == "yes" ]]; then
    DATAGUARD_STATE_DIR="$state_dir" bash scripts/services.sh stop >/dev/null 2>&1 || true
    rm -rf "$state_dir"
  fi
}
trap cleanup EXIT
# Ctrl+C reaches every dotnet test of this process group (the background one included, below); the loop stops.
trap 'interrupted=yes' INT

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
extra=()
for arg in "$@"; do
  case "$arg" in
    --no-build) ;;
    -c|--configuration|-c=*|--configuration=*|-f|--framework|-f=*|--framework=*|-r|--runtime|-r=*|--runtime=*|-p:*|-property:*|--property:*)
      [[ "$no_build" == "yes" ]] || { echo "scripts/test.sh builds Release itself: '$arg' would test other binaries than it built (build them, then pass --no-build)" >&2; exit 2; } ;;
  esac
  [[ "$arg" == "--no-build" ]] || extra+=("$arg")
done

projects=()
for project in tests/*/*.csproj; do projects+=("$project"); done
integration=tests/DataGuard.IntegrationTests/DataGuard.IntegrationTests.csproj
if (( ${#projects[@]} == 0 )) || [[ ! -f "$integration" ]]; then
  echo "no test projects found under tests/ (or no $integration)" >&2
  exit 1
fi

set +e
build_exit=0
if [[ "$no_build" == "no" ]]; then
  dotnet build DataGuard.sln -c Release --nologo -clp:"ErrorsOnly;Summary" -v q
  build_exit=$?
fi

test_exit=0
if (( build_exit == 0 )); then
  # One results folder per test project (default TRX names: two projects finishing in the same second in two
  # processes would otherwise pick the same name). Counted below.
  run_project() { # project
    dotnet test "$1" -c Release --no-build \
      --logger "trx" --results-directory "$results_dir/$(basename "$1" .csproj)" \
      --logger "console;verbosity=minimal" "${extra[@]}" </dev/null
  }
  # An asynchronous command of a script ignores SIGINT unless told otherwise: Ctrl+C must reach it, and the tests that
  # interrupt a CLI with SIGINT must not find it ignored (a run started with SIGINT already ignored, nohup or `&`,
  # keeps it ignored: ChaosProcess starts the CLI with it at its default itself).
  ( trap - INT; run_project "$integration" ) &
  integration_pid=$!
  for project in "${projects[@]}"; do
    [[ "$project" == "$integration" ]] && continue
    [[ "$interrupted" == "yes" ]] && break
    run_project "$project" || test_exit=$?
  done
  wait "$integration_pid"
  integration_exit=$?
  # A Ctrl+C during the wait ends it early (status > 128): wait for the suite itself to end.
  while [[ "$interrupted" == "yes" ]] && kill -0 "$integration_pid" 2>/dev/null; do wait "$integration_pid"; integration_exit=$?; done
  (( integration_exit == 0 )) || test_exit=$integration_exit
  integration_pid=""
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

# Every test project must have written exactly one TRX file: a missing one is a project not counted (crashed, or
# skipped), two would hide another's missing one.
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  trx_files=0
  [[ -d "$results_dir/$name" ]] && trx_files=$(find "$results_dir/$name" -name '*.trx' | wc -l)
  if (( trx_files != 1 )); then
    echo "$name wrote $trx_files TRX files to $results_dir/$name (expected 1)" >&2
    failed=$(( failed + 1 ))
  fi
done
[[ "$interrupted" == "yes" ]] && { echo "interrupted" >&2; failed=$(( failed + 1 )); }

if (( test_exit != 0 && failed == 0 )); then
  echo "dotnet test exited with $test_exit (build failure or crashed test host)" >&2
  failed=$(( failed + 1 ))
fi
echo "$passed passed, $failed failed, $skipped skipped"
if (( failed > 0 )); then exit 1; fi
if (( total == 0 )); then echo "no test ran" >&2; exit 1; fi
