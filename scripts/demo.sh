#!/usr/bin/env bash
# The demo: a throwaway PostgreSQL (scripts/services.sh), a small application database, local-disk storage under
# .dataguard/demo-storage, and the sample host embedding DataGuard, which validates its options and runs the doctor.
#
#   scripts/demo.sh            run it, then stop and delete the throwaway server
#   scripts/demo.sh --keep     leave the server running (stop it with: scripts/services.sh stop)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
keep=no
[[ "${1:-}" == "--keep" ]] && keep=yes

command -v dotnet >/dev/null 2>&1 || { echo "demo: the .NET SDK 10 is required: https://dot.net" >&2; exit 1; }

export DATAGUARD_STATE_DIR="${DATAGUARD_STATE_DIR:-${TMPDIR:-/tmp}/dataguard-demo-$(id -u)}"
if [[ "$keep" == "no" ]]; then
  trap 'bash scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
fi

echo "== Starting a throwaway PostgreSQL"
eval "$(bash scripts/services.sh start postgres --install)"

echo "== Creating the demo application database"
psql_bin="$DATAGUARD_TEST_POSTGRES_BIN/psql"
[[ -x "$psql_bin" ]] || psql_bin="psql"
admin_url="$(sed -E 's/Host=([^;]*);Port=([^;]*);Username=([^;]*);Password=([^;]*);Database=([^;]*)/postgresql:\/\/\3:\4@\1:\2\/\5/' <<<"$DATAGUARD_TEST_POSTGRES")"
"$psql_bin" -q "$admin_url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS demo_app" -c "CREATE DATABASE demo_app" >/dev/null
"$psql_bin" -q "${admin_url%/*}/demo_app" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), total numeric(12,2) NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
INSERT INTO users (email, name) SELECT 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 1000) g;
INSERT INTO orders (user_id, total) SELECT 1 + (g % 1000), (g % 500) + 0.99 FROM generate_series(1, 10000) g;
SQL
echo "   demo_app: 1000 users, 10000 orders"

export DataGuard__Postgres__ConnectionString="${DATAGUARD_TEST_POSTGRES/Database=postgres/Database=demo_app}"
export DataGuard__Storage__Provider=FileSystem
export DataGuard__Storage__FileSystem__Root="$repo_root/.dataguard/demo-storage"

echo "== Running the sample host (samples/DataGuard.Samples.ConsoleHost)"
dotnet build samples/DataGuard.Samples.ConsoleHost -c Release --nologo -clp:ErrorsOnly -v q
dotnet run --project samples/DataGuard.Samples.ConsoleHost -c Release --no-build
echo "== Demo finished. Storage: $DataGuard__Storage__FileSystem__Root"
