#!/usr/bin/env bash
# WAL at production rates, in one run (storage on local disk, Backup:Compression:Level 3):
#   archiving: SEGMENTS 16 MiB segments (half random bytes, half zeros, as WAL often is) through the asynchronous
#              path (archive_command = a copy + fsync into a spool, the resident `dataguard wal archiver` pushing in
#              parallel), until every one is in storage; against `cp` + `sync` of the same files; and, for reference,
#              one `dataguard wal push` process per segment (the first 10 segments).
#   replay:    a base backup, then SEGMENTS real segments archived by a real PostgreSQL 15, recovered with
#              `dataguard pitr restore --latest --start`: the old restore_command (one `wal fetch` process per segment,
#              prefetch off) against the default one (shell fast path + background prefetcher). The replay rate is
#              read from the restored server's log ("restored log file" lines, first to last).
# Prints a readable table, then one `name<TAB>value<TAB>unit` line per figure (scripts/bench.sh collects them).
#
#   scripts/bench-wal.sh [SEGMENTS]     (default 200)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
count="${1:-200}"

root="$(mktemp -d "${TMPDIR:-/tmp}/dataguard-bench-wal.XXXXXX")"
chmod 755 "$root"
export DATAGUARD_STATE_DIR="$root/services"
mkdir -p "$DATAGUARD_STATE_DIR"
archiver_pid=""
cleanup() {
  [[ -n "$archiver_pid" ]] && kill "$archiver_pid" 2>/dev/null || true
  for d in "$root"/restored-*; do
    [[ -d "$d" ]] && runuser -u postgres -- "${DATAGUARD_TEST_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  bash scripts/services.sh stop >/dev/null 2>&1 || true
  if [[ "${DATAGUARD_BENCH_KEEP:-}" == "1" ]]; then echo "kept: $root" >&2; else rm -rf "$root"; fi
}
trap cleanup EXIT
# The CLI as users get it from its linux-x64 tool package: self-contained, one composite ReadyToRun image (docs/benchmarks.md).
# PostgreSQL's restore_command runs it too: the folder stays readable by the postgres user.
if [[ -n "${DATAGUARD_BENCH_CLI:-}" ]]; then cli="$DATAGUARD_BENCH_CLI"; else   # bench-table.sh passes the CLI it published
  cli="$(bash scripts/publish-cli.sh "$root/cli")"
fi
now() { date +%s.%N; }
rate() { echo "$1 / $2" | bc -l; }
results=()
result() { results+=("$(printf '%s\t%s\t%s' "$1" "$2" "$3")"); }

# The archive_command of the asynchronous path (docs/pitr.md): copy, fsync, rename into the spool, fsync the folder.
# An already spooled file is a retry of the same segment: only the folder is synced again.
spool_command() { # SPOOL -> archive_command with %p and %f
  local s="$1"
  printf 'test -f %s/%%f || { cp %%p %s/.%%f && sync %s/.%%f && mv -f %s/.%%f %s/%%f; } && sync %s' "$s" "$s" "$s" "$s" "$s" "$s"
}
run_archive_command() { # COMMAND FILE: what PostgreSQL's archiver does (sh -c with %p and %f substituted)
  local c="${1//%p/$2}"
  sh -c "${c//%f/$(basename "$2")}"
}
write_config() { # FILE ROOT [PREFETCH]
  cat >"$1" <<JSON
{ "DataGuard": { "Storage": { "Provider": "FileSystem", "FileSystem": { "Root": "$2" } },
                 "Pitr": { "WalPrefetch": ${3:-16} } } }
JSON
  chmod 644 "$1"
}

if [[ "${DATAGUARD_BENCH_WAL_SKIP_ARCHIVING:-}" == "1" ]]; then cp_rate=1 handoff_rate=0 async_rate=0 push_rate=0 push_count=0; else
echo "== Archiving $count synthetic segments"
mkdir -p "$root/segments" "$root/cp-archive" "$root/spool" "$root/dg-archive" "$root/dg-push-archive"
for i in $(seq 1 "$count"); do
  name="$(printf '0000000100000000%08X' "$i")"
  { head -c 8388608 /dev/urandom; head -c 8388608 /dev/zero; } >"$root/segments/$name"
done
sync
write_config "$root/archive.json" "$root/dg-archive"
write_config "$root/push.json" "$root/dg-push-archive"

start=$(now)
for f in "$root"/segments/*; do cp "$f" "$root/cp-archive/" && sync "$root/cp-archive/$(basename "$f")"; done
cp_secs=$(echo "$(now) - $start" | bc)

chmod 700 "$root/spool"
dotnet "$cli" wal archiver --spool "$root/spool" --parallel 4 --config "$root/archive.json" >/dev/null 2>"$root/archiver.err" &
archiver_pid=$!
sleep 3   # the archiver's own start-up is paid once, not per segment
command="$(spool_command "$root/spool")"
start=$(now)
for f in "$root"/segments/*; do run_archive_command "$command" "$f"; done
handoff_secs=$(echo "$(now) - $start" | bc)
while [[ -n "$(ls -A "$root/spool")" ]]; do sleep 0.05; done
async_secs=$(echo "$(now) - $start" | bc)
kill "$archiver_pid"; wait "$archiver_pid" 2>/dev/null || true; archiver_pid=""
stored=$(find "$root/dg-archive/wal" -type f -name '*.zst' | wc -l)
[[ "$stored" == "$count" ]] || { echo "bench: the archiver stored $stored of $count segments" >&2; cat "$root/archiver.err" >&2; exit 1; }

push_count=$(( count < 10 ? count : 10 ))
start=$(now)
for f in $(ls -d "$root"/segments/* | head -n "$push_count"); do dotnet "$cli" wal push "$f" --config "$root/push.json"; done
push_secs=$(echo "$(now) - $start" | bc)

cp_rate=$(rate "$count" "$cp_secs"); handoff_rate=$(rate "$count" "$handoff_secs"); async_rate=$(rate "$count" "$async_secs"); push_rate=$(rate "$push_count" "$push_secs")
result wal_archive_cp_sync "$(printf '%.1f' "$cp_rate")" segments/s
result wal_archive_command_spool "$(printf '%.1f' "$handoff_rate")" segments/s
result wal_archive_async_end_to_end "$(printf '%.1f' "$async_rate")" segments/s
result wal_push_per_process "$(printf '%.2f' "$push_rate")" segments/s
rm -rf "$root/segments" "$root/cp-archive" "$root/dg-archive" "$root/dg-push-archive"
fi

echo "== Replay: a base backup, then $count segments archived by PostgreSQL"
mkdir -p "$root/storage" "$root/pgspool"
chmod 777 "$root/storage"
chown postgres "$root/pgspool"; chmod 700 "$root/pgspool"
write_config "$root/dataguard.json" "$root/storage"
write_config "$root/no-prefetch.json" "$root/storage" 0
eval "$(DATAGUARD_PG_ARCHIVE_COMMAND="$(spool_command "$root/pgspool")" bash scripts/services.sh start postgres)"
bin="$DATAGUARD_TEST_POSTGRES_BIN"
port="$(sed -E 's/.*Port=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")"
export PGPASSWORD="$(sed -E 's/.*Password=([^;]*).*/\1/' <<<"$DATAGUARD_TEST_POSTGRES")" PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres
export DataGuard__Postgres__ConnectionString="$DATAGUARD_TEST_POSTGRES"
dotnet "$cli" wal archiver --spool "$root/pgspool" --parallel 4 --config "$root/dataguard.json" >/dev/null 2>"$root/archiver.err" &
archiver_pid=$!
"$bin/psql" -q -d postgres -c "CREATE TABLE bench_wal (segment int, n int, payload text)"
dotnet "$cli" backup run --kind physical --config "$root/dataguard.json" >/dev/null
"$bin/psql" -q -d postgres -c "DO \$\$ BEGIN FOR i IN 1..$count LOOP INSERT INTO bench_wal SELECT i, g, md5(g::text) FROM generate_series(1, 2000) g; COMMIT; PERFORM pg_switch_wal(); END LOOP; END \$\$"
last="$("$bin/psql" -At -d postgres -c "SELECT pg_walfile_name(pg_current_wal_lsn())")"
"$bin/psql" -q -d postgres -c "SELECT pg_switch_wal()" >/dev/null
until [[ "$("$bin/psql" -At -d postgres -c "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver")" == "t" && -z "$(ls -A "$root/pgspool")" ]]; do sleep 0.2; done
kill "$archiver_pid"; wait "$archiver_pid" 2>/dev/null || true; archiver_pid=""
expected="$("$bin/psql" -At -d postgres -c "SELECT count(*) FROM bench_wal")"
chown -R postgres "$root/storage"   # the archiver ran as root here; restore_command runs as the server's user
echo "   $(find "$root/storage/wal" -type f | wc -l) files in the WAL archive, $expected rows"

replay() { # LABEL DIR PORT [pitr restore options...]
  local label="$1" dir="$2" rport="$3"; shift 3
  local start secs first lastts segments rows
  start=$(now)
  dotnet "$cli" pitr restore --data-dir "$dir" --latest --start --promote --port "$rport" "$@" >"$root/$label.out" 2>&1 || { cat "$root/$label.out" >&2; exit 1; }
  secs=$(echo "$(now) - $start" | bc)
  rows="$(PGPORT=$rport "$bin/psql" -At -d postgres -c "SELECT count(*) FROM bench_wal")"
  [[ "$rows" == "$expected" ]] || { echo "bench: $label restored $rows rows, expected $expected" >&2; exit 1; }
  # Replay: from the first segment restored to the last one before "redo done" (after it, PostgreSQL probes the end of
  # the archive and re-reads the last segment, the same fixed cost on both paths, counted in the restore's total).
  sed '/LOG:  redo done at/q' "$dir/dataguard-recovery.log" | grep 'restored log file "[0-9A-F]\{24\}"' >"$root/$label.restored"
  segments=$(wc -l <"$root/$label.restored")
  first=$(head -1 "$root/$label.restored" | cut -d' ' -f1-2)
  lastts=$(tail -1 "$root/$label.restored" | cut -d' ' -f1-2)
  replay_secs=$(echo "$(date -d "$lastts" +%s.%N) - $(date -d "$first" +%s.%N)" | bc)
  replay_segments=$segments
  restore_secs=$secs
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
}
replay old "$root/restored-old" $(( port + 1 )) --config "$root/no-prefetch.json" \
  --restore-command "dotnet $cli wal fetch %f %p --config $root/no-prefetch.json"
old_secs=$restore_secs; old_replay=$replay_secs; old_segments=$replay_segments
replay new "$root/restored-new" $(( port + 2 )) --config "$root/dataguard.json"
new_secs=$restore_secs; new_replay=$replay_secs; new_segments=$replay_segments
grep -qF '/.dataguard-prefetch/' "$root/restored-new/postgresql.auto.conf" || { echo "bench: the default restore_command has no prefetch fast path" >&2; exit 1; }
sleep 1
[[ ! -e "$root/restored-new/pg_wal/.dataguard-prefetch" ]] || { echo "bench: the prefetcher left its spool behind" >&2; ls -la "$root/restored-new/pg_wal/.dataguard-prefetch" >&2; exit 1; }

old_rate=$(rate $(( old_segments - 1 )) "$old_replay"); new_rate=$(rate $(( new_segments - 1 )) "$new_replay")
[[ "$old_segments" -ge "$count" && "$new_segments" -ge "$count" ]] || { echo "bench: replayed $old_segments and $new_segments segments, expected at least $count" >&2; exit 1; }
result wal_replay_per_process "$(printf '%.1f' "$old_rate")" segments/s
result wal_replay_prefetch "$(printf '%.1f' "$new_rate")" segments/s
result wal_restore_per_process_total "$(printf '%.1f' "$old_secs")" s
result wal_restore_prefetch_total "$(printf '%.1f' "$new_secs")" s

echo
printf '%-64s %10s\n' "WAL archiving, $count segments of 16 MiB" "segments/s"
printf '%-64s %10.1f\n' "cp + sync (baseline)" "$cp_rate"
printf '%-64s %10.1f  (%.2fx the baseline)\n' "archive_command into the spool (what PostgreSQL waits for)" "$handoff_rate" "$(echo "$handoff_rate / $cp_rate" | bc -l)"
printf '%-64s %10.1f  (%.2fx the baseline)\n' "spool + resident archiver, until all are in storage" "$async_rate" "$(echo "$async_rate / $cp_rate" | bc -l)"
printf '%-64s %10.2f\n' "one 'dataguard wal push' process per segment (first $push_count)" "$push_rate"
echo
printf '%-64s %10s %12s\n' "Replay of $count archived segments (pitr restore --latest)" "segments/s" "restore, s"
printf '%-64s %10.1f %12.1f\n' "one 'wal fetch' process per segment (WalPrefetch 0)" "$old_rate" "$old_secs"
printf '%-64s %10.1f %12.1f\n' "default restore_command (fast path + prefetcher)" "$new_rate" "$new_secs"
echo
printf '%s\n' "${results[@]}"
