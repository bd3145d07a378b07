#!/usr/bin/env bash
# The demo: a throwaway PostgreSQL (scripts/services.sh), a small application database, local-disk storage under
# .dataguard/demo-storage; the sample host embedding DataGuard validates its options, runs the doctor and backs up;
# then the dataguard CLI lists, verifies and restores the backup into a new database, and the two are compared.
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

# The demo drives each step itself: no background schedule in the sample host.
export DataGuard__Backup__Schedule=""

echo "== Building"
dotnet build samples/DataGuard.Samples.ConsoleHost -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
dotnet build src/DataGuard.Cli -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
dataguard() { dotnet "$repo_root/artifacts/bin/DataGuard.Cli/release/DataGuard.Cli.dll" "$@"; }

echo "== The sample host (samples/DataGuard.Samples.ConsoleHost): validate options, doctor, back up"
dotnet run --project samples/DataGuard.Samples.ConsoleHost -c Release --no-build

echo "== dataguard backup list"
dataguard backup list
echo "== dataguard backup verify latest"
dataguard backup verify latest
echo "== dataguard restore latest --to-database demo_app_restored --create"
"$psql_bin" -q "$admin_url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS demo_app_restored" >/dev/null
dataguard restore latest --to-database demo_app_restored --create

echo "== Comparing the two databases"
fingerprint() {
  "$psql_bin" -At "${admin_url%/*}/$1" -c "SELECT (SELECT count(*) FROM users) || ' users, ' || (SELECT count(*) FROM orders) || ' orders, md5 ' || md5((SELECT string_agg(u::text, '|' ORDER BY id) FROM users u) || (SELECT string_agg(o::text, '|' ORDER BY id) FROM orders o))"
}
original="$(fingerprint demo_app)"; restored="$(fingerprint demo_app_restored)"
echo "   demo_app:          $original"
echo "   demo_app_restored: $restored"
if [[ "$original" != "$restored" ]]; then echo "demo: the restored database differs from the original" >&2; exit 1; fi
echo "== Demo finished: the restore matches the original. Storage: $DataGuard__Storage__FileSystem__Root"
