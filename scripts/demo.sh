#!/usr/bin/env bash
# The demo: the whole DataGuard story on a throwaway PostgreSQL (scripts/services.sh) and local-disk storage, in a
# couple of minutes: migrations, a backup from a host that embeds DataGuard, a restore drill that measures RTO and
# RPO, one user's data exported as JSON, CSV and PDF, retention (dry run, then run, with a legal hold), a migration
# rolled back, a restore compared with the original, and a summary of where everything is.
#
#   scripts/demo.sh            run it, then stop and delete the throwaway server
#   scripts/demo.sh --keep     leave the server running (stop it with: scripts/services.sh stop)
#   DATAGUARD_CLI=/opt/dataguard/DataGuard.Cli scripts/demo.sh   the same story through another build of the CLI
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

summary=()
note() { summary+=("$(printf '%-22s %-10s %s' "$1" "$2" "$3")"); }
step() { printf '\n== %s\n' "$*"; }

step "Starting a throwaway PostgreSQL"
eval "$(bash scripts/services.sh start postgres --install)"
psql_bin="$DATAGUARD_TEST_POSTGRES_BIN/psql"
[[ -x "$psql_bin" ]] || psql_bin="psql"
admin_url="$(sed -E 's/Host=([^;]*);Port=([^;]*);Username=([^;]*);Password=([^;]*);Database=([^;]*)/postgresql:\/\/\3:\4@\1:\2\/\5/' <<<"$DATAGUARD_TEST_POSTGRES")"
app_url="${admin_url%/*}/demo_app"
"$psql_bin" -q "$admin_url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS demo_app WITH (FORCE)" -c "DROP DATABASE IF EXISTS demo_app_restored WITH (FORCE)" -c "CREATE DATABASE demo_app" >/dev/null

output="$repo_root/.dataguard/demo-output"
storage="$repo_root/.dataguard/demo-storage"
rm -rf "$output" "$storage"
mkdir -p "$output"

# One configuration for the sample host and the CLI, from the environment (DataGuard__...).
export DataGuard__Postgres__ConnectionString="${DATAGUARD_TEST_POSTGRES/Database=postgres/Database=demo_app}"
export DataGuard__Storage__Provider=FileSystem
export DataGuard__Storage__FileSystem__Root="$storage"
export DataGuard__Backup__Schedule=""                      # the demo drives each step itself
export DataGuard__Migrations__Directory="$repo_root/samples/demo/migrations"
export DataGuard__Export__Subject__Table=public.users
export DataGuard__Export__Subject__Key=id
# The PDF export: why each kind of data is kept, where it came from, how to exercise one's rights, dates in Paris time.
export DataGuard__Export__Pdf__RightsContact="Write to privacy@demo.example (the demo shop's data protection officer), or use Settings > Privacy in the app. You may also complain to your data protection authority."
export DataGuard__Export__Pdf__TimeZone=Europe/Paris
export DataGuard__Export__Pdf__Culture=en-GB
export DataGuard__Export__Pdf__Tables__users__DisplayName="Your account"
export DataGuard__Export__Pdf__Tables__users__Purpose="To run your account and sign you in."
export DataGuard__Export__Pdf__Tables__users__Source="You, when you signed up"
export DataGuard__Export__Pdf__Tables__orders__Purpose="To deliver and bill your orders; accounting law requires us to keep them."
export DataGuard__Export__Pdf__Tables__events__DisplayName="Activity"
export DataGuard__Export__Pdf__Tables__events__Purpose="Security (sign-ins) and improving the shop (views, purchases)."
export DataGuard__Export__Pdf__Tables__events__Source="Recorded by the shop while you used it"
export DataGuard__Drills__Checks__0__Name="users are there"
export DataGuard__Drills__Checks__0__Sql="SELECT count(*) FROM public.users"
export DataGuard__Drills__Checks__0__Expected=1000
export DataGuard__Retention__Policies__0__Name=archive-old-events
export DataGuard__Retention__Policies__0__Table=public.events
export DataGuard__Retention__Policies__0__TimestampColumn=created_at
export DataGuard__Retention__Policies__0__MaxAge=730.00:00:00
export DataGuard__Retention__Policies__0__Action=ArchiveThenDelete
export DataGuard__Retention__Policies__1__Name=anonymize-event-details
export DataGuard__Retention__Policies__1__Table=public.events
export DataGuard__Retention__Policies__1__TimestampColumn=created_at
export DataGuard__Retention__Policies__1__MaxAge=365.00:00:00
export DataGuard__Retention__Policies__1__Action=Anonymize
export DataGuard__Retention__Policies__1__Anonymize__0__Column=detail
export DataGuard__Retention__Policies__1__Anonymize__0__Method=Null

step "Building"
dotnet build samples/DataGuard.Samples.ConsoleHost -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
if [[ -n "${DATAGUARD_CLI:-}" ]]; then
  # Another build of the CLI, such as the native one the linux-x64 package ships: cli="$(bash scripts/publish-cli.sh DIR)".
  dataguard() { "$DATAGUARD_CLI" "$@"; }
else
  dotnet build src/DataGuard.Cli -c Release --nologo "-clp:ErrorsOnly;NoSummary" -v q
  dataguard() { dotnet "$repo_root/artifacts/bin/DataGuard.Cli/release/DataGuard.Cli.dll" "$@"; }
fi

step "dataguard migrate up (samples/demo/migrations)"
dataguard migrate up
note "migrations" "applied" "3 migrations, ledger in demo_app: dataguard.migrations"

step "Seeding the demo application: 1,000 users, 10,000 orders, 60,000 events over three years"
"$psql_bin" -q "$app_url" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO users (email, name, password_hash)
SELECT 'user' || g || '@example.com', CASE WHEN g = 1 THEN 'Zoë "Zo" Dupont, =SUM(1) 日本語 Ζωή Зоя 🎉' ELSE 'User ' || g END, md5('secret' || g) FROM generate_series(1, 1000) g;
INSERT INTO orders (user_id, total, placed_at) SELECT 1 + (g % 1000), (g % 500) + 0.99, now() - (g % 900) * interval '1 day' FROM generate_series(1, 10000) g;
INSERT INTO events (user_id, kind, detail, created_at)
SELECT 1 + (g % 1000), CASE g % 3 WHEN 0 THEN 'login' WHEN 1 THEN 'view' ELSE 'purchase' END, jsonb_build_object('ip', '10.0.' || (g % 250) || '.' || (g % 200)), now() - (g % 1095) * interval '1 day'
FROM generate_series(1, 60000) g;
SQL

step "The sample host (samples/DataGuard.Samples.ConsoleHost): validate options, doctor, back up"
dotnet run --project samples/DataGuard.Samples.ConsoleHost -c Release --no-build
backup_id="$(dataguard backup list --json | sed -n 's/.*"id": *"\([^"]*logical[^"]*\)".*/\1/p' | head -1)"
note "backup" "verified" "$storage/backups/$backup_id/"

step "dataguard drill run: restore into a scratch database, check, measure"
dataguard drill run | tee "$output/drill.txt"
rto="$(sed -n 's/^  RTO *\([^ ]* s\).*/\1/p' "$output/drill.txt")"
note "restore drill" "passed" "RTO $rto; report in $storage/drills/"

step "dataguard export subject 1: JSON, CSV (zip) and PDF"
dataguard export map | tail -12
for format in json csv pdf; do
  extension="$format"; [[ "$format" == "csv" ]] && extension=zip
  dataguard export subject 1 --format "$format" --out "$output/user-1.$extension"
done
note "export of user 1" "written" "$output/user-1.json, user-1.zip, user-1.pdf"
if command -v pdftoppm >/dev/null 2>&1; then
  pdftoppm -png -r 60 "$output/user-1.pdf" "$output/user-1-page"   # the pages as images (docs/images/export-pdf-page-*.png)
fi

step "Retention: a legal hold on user 7, a dry run, then the run"
dataguard hold place --subject 7 --reason "demo: a pending dispute"
dataguard retention run --dry-run
dataguard retention run
archived="$(find "$storage/archive" -name '*.ndjson*' | wc -l)"
note "retention" "ran" "old events archived ($archived objects in $storage/archive/), details anonymized, user 7 held"

step "dataguard migrate down --steps 1: roll back the last migration"
dataguard migrate down --steps 1
dataguard migrate status
note "migration rollback" "done" "0003_add_marketing_opt_in rolled back (dataguard migrate status)"

step "dataguard restore latest into demo_app_restored, compared with the backup's row counts"
dataguard restore latest --to-database demo_app_restored --create
note "restore" "matches" "demo_app_restored (row counts equal the manifest)"

step "dataguard status"
dataguard status || true
dataguard runbook --out "$output/runbook.md" >/dev/null
note "runbook" "rendered" "$output/runbook.md"

printf '\n== Summary\n'
printf '%-22s %-10s %s\n' "step" "result" "where"
printf '%s\n' "${summary[@]}"
echo
echo "Demo finished. The server $( [[ "$keep" == "yes" ]] && echo "is still running (scripts/services.sh stop)" || echo "is stopped and deleted")."
