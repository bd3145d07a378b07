#!/usr/bin/env bash
# WAL at production rates, in one run (storage on local disk, Pitr:WalCompressionLevel 1, the default):
#   archiving: a real PostgreSQL 15 with a backlog of about SEGMENTS segments of pgbench's WAL (`pgbench -i` while
#              archive_command is empty), then archive_command set and timed until every segment is archived (for
#              DataGuard: in storage), on three fresh servers: `cp` + `sync` (the baseline); the spool (archive_command
#              copies into it, the resident `wal archiver --spool` pushes); look-ahead (`wal archiver --pg-data` pushes
#              the ready files from pg_wal, archive_command waits for its record).
#   replay:    a base backup, then SEGMENTS real segments archived by a real PostgreSQL 15, recovered with
#              `dataguard pitr restore --latest --start`: the old restore_command (one `wal fetch` process per segment,
#              prefetch off) against the default one (shell fast path + background prefetcher). The replay rate is
#              read from the restored server's log ("restored log file" lines, first to last).
# Prints a readable table, then one `name<TAB>value<TAB>unit` line per figure (scripts/bench.sh collects them).
#
#   scripts/bench-wal.sh [SEGMENTS]     (default 200)
#   DATAGUARD_BENCH_WAL_SKIP_ARCHIVING=1   replay only
#   DATAGUARD_BENCH_WAL_FULL_SEGMENTS=1    replay full segments (pgbench -i's WAL) instead of segments switched after
#                                          2,000 rows (mostly zeros, as archive_timeout and pg_switch_wal() leave them)
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
  for d in "$root"/restored-* "$root"/arch-*/data; do
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

# The spool's archive_command (docs/pitr.md), for the replay's server: copy, fsync, rename, fsync the folder.
spool_command() { # SPOOL -> archive_command with %p and %f
  "$cli" wal archiver --spool "$1" --print-archive-command
}
write_config() { # FILE ROOT [PREFETCH]
  cat >"$1" <<JSON
{ "DataGuard": { "Storage": { "Provider": "FileSystem", "FileSystem": { "Root": "$2" } },
                 "Pitr": { "WalPrefetch": ${3:-16} } } }
JSON
  chmod 644 "$1"
}
pg_bin="${DATAGUARD_TEST_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"

# One archiving run: a throwaway server whose archive_command is empty while `pgbench -i` writes a backlog of real WAL
# (every segment waits, marked ready), then the archive_command of MODE is set and the time taken until PostgreSQL
# counts the last segment archived and, for DataGuard, until every segment is in storage. Prints "handoff end count".
archive_run() { # MODE
  local mode="$1" dir="$root/arch-$1" port last start handoff end command stored="" apid=""
  rm -rf "$dir"; mkdir -p "$dir/target" "$dir/storage"; chown -R postgres "$dir"; chmod 700 "$dir/target"
  runuser -u postgres -- "$pg_bin/initdb" -D "$dir/data" -A trust >/dev/null
  port=$(( 30000 + RANDOM % 20000 ))
  printf "port = %s\nlisten_addresses = ''\nunix_socket_directories = '%s'\narchive_mode = on\narchive_command = ''\nmax_wal_size = 16GB\nshared_buffers = 256MB\n" "$port" "$dir" >>"$dir/data/postgresql.conf"
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
  local psql=(runuser -u postgres -- "$pg_bin/psql" -h "$dir" -p "$port" -At -d postgres)
  runuser -u postgres -- "$pg_bin/pgbench" -h "$dir" -p "$port" -i -q -s "$scale" postgres >/dev/null 2>&1
  last="$("${psql[@]}" -c "SELECT pg_walfile_name(pg_current_wal_lsn())")"
  "${psql[@]}" -c "SELECT pg_switch_wal()" >/dev/null
  "${psql[@]}" -c "CHECKPOINT" >/dev/null; sync
  local count; count=$(ls "$dir/data/pg_wal/archive_status" | grep -c '\.ready$')
  write_config "$dir/dataguard.json" "$dir/storage"
  case "$mode" in
    cp) command="cp %p $dir/target/%f && sync $dir/target/%f" ;;
    spool) command="$(spool_command "$dir/target")" ;;
    ahead) command="$("$cli" wal archiver --spool "$dir/target" --pg-data "$dir/data" --print-archive-command)"
           chown root "$dir/target"; chmod 755 "$dir/target" ;;   # the archiver runs as root here: its records folder is its own
  esac
  if [[ "$mode" == "spool" ]]; then   # started before: its start-up is paid once, not per segment
    "$cli" wal archiver --spool "$dir/target" --parallel 4 --config "$dir/dataguard.json" >/dev/null 2>"$dir/archiver.err" & apid=$!; archiver_pid=$apid
    sleep 3
  fi
  printf "archive_command = '%s'\n" "${command//\'/\'\'}" >>"$dir/data/postgresql.conf"
  start=$(now)
  if [[ "$mode" == "ahead" ]]; then   # started with the command: the ready files must not be pushed before the clock runs
    "$cli" wal archiver --spool "$dir/target" --pg-data "$dir/data" --parallel 4 --config "$dir/dataguard.json" >/dev/null 2>"$dir/archiver.err" & apid=$!; archiver_pid=$apid
  fi
  "${psql[@]}" -c "SELECT pg_reload_conf()" >/dev/null
  until [[ "$("${psql[@]}" -c "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver")" == "t" ]]; do sleep 0.05; done
  handoff=$(echo "$(now) - $start" | bc)
  if [[ "$mode" == "spool" ]]; then while [[ -n "$(ls -A "$dir/target")" ]]; do sleep 0.05; done; fi
  end=$(echo "$(now) - $start" | bc)
  if [[ -n "$apid" ]]; then kill "$apid"; wait "$apid" 2>/dev/null || true; archiver_pid=""; fi
  if [[ "$mode" != "cp" ]]; then
    stored=$(find "$dir/storage/wal" -type f -name '*.zst' | wc -l)
    [[ "$stored" -ge "$count" ]] || { echo "bench: $mode stored $stored of $count segments" >&2; cat "$dir/archiver.err" >&2; exit 1; }
  fi
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null
  rm -rf "$dir"
  echo "$handoff $end $count"
}

if [[ "${DATAGUARD_BENCH_WAL_SKIP_ARCHIVING:-}" == "1" ]]; then cp_rate=1 spool_handoff_rate=0 spool_rate=0 ahead_rate=0 archived=0; else
scale=$(( (count * 128 + 99) / 100 ))   # pgbench -i writes about 0.78 segments of WAL per scale unit
echo "== Archiving a backlog of about $count segments of pgbench's WAL (pgbench -i -s $scale), three servers"
out="$(archive_run cp)"; read -r _ cp_secs archived <<<"$out"
out="$(archive_run spool)"; read -r spool_handoff_secs spool_secs _ <<<"$out"
out="$(archive_run ahead)"; read -r _ ahead_secs _ <<<"$out"
cp_rate=$(rate "$archived" "$cp_secs"); spool_handoff_rate=$(rate "$archived" "$spool_handoff_secs"); spool_rate=$(rate "$archived" "$spool_secs"); ahead_rate=$(rate "$archived" "$ahead_secs")
result wal_archive_segments "$archived" segments
result wal_archive_cp_sync "$(printf '%.1f' "$cp_rate")" segments/s
result wal_archive_command_spool "$(printf '%.1f' "$spool_handoff_rate")" segments/s
result wal_archive_async_end_to_end "$(printf '%.1f' "$spool_rate")" segments/s
result wal_archive_lookahead_end_to_end "$(printf '%.1f' "$ahead_rate")" segments/s
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
"$cli" wal archiver --spool "$root/pgspool" --parallel 4 --config "$root/dataguard.json" >/dev/null 2>"$root/archiver.err" &
archiver_pid=$!
"$bin/psql" -q -d postgres -c "CREATE TABLE bench_wal (segment int, n int, payload text)"
"$cli" backup run --kind physical --config "$root/dataguard.json" >/dev/null
if [[ "${DATAGUARD_BENCH_WAL_FULL_SEGMENTS:-}" == "1" ]]; then
  # Full segments (pgbench -i's WAL, about 0.78 segments per scale unit) instead of ones switched after 2,000 rows.
  "$bin/pgbench" -q -i -s $(( count * 128 / 100 )) -d postgres >/dev/null 2>&1
  "$bin/psql" -q -d postgres -c "INSERT INTO bench_wal SELECT 1, g, md5(g::text) FROM generate_series(1, 2000) g"
else
"$bin/psql" -q -d postgres -c "DO \$\$ BEGIN FOR i IN 1..$count LOOP INSERT INTO bench_wal SELECT i, g, md5(g::text) FROM generate_series(1, 2000) g; COMMIT; PERFORM pg_switch_wal(); END LOOP; END \$\$"
fi
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
  "$cli" pitr restore --data-dir "$dir" --latest --start --promote --port "$rport" "$@" >"$root/$label.out" 2>&1 || { cat "$root/$label.out" >&2; exit 1; }
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
  --restore-command "$cli wal fetch %f %p --config $root/no-prefetch.json"
old_secs=$restore_secs; old_replay=$replay_secs; old_segments=$replay_segments
replay new "$root/restored-new" $(( port + 2 )) --config "$root/dataguard.json"
new_secs=$restore_secs; new_replay=$replay_secs; new_segments=$replay_segments
grep -qF '/.dataguard-prefetch/' "$root/restored-new/postgresql.auto.conf" || { echo "bench: the default restore_command has no prefetch fast path" >&2; exit 1; }
sleep 1
[[ ! -e "$root/restored-new/pg_wal/.dataguard-prefetch" ]] || { echo "bench: the prefetcher left its spool behind" >&2; ls -la "$root/restored-new/pg_wal/.dataguard-prefetch" >&2; exit 1; }

old_rate=$(rate $(( old_segments - 1 )) "$old_replay"); new_rate=$(rate $(( new_segments - 1 )) "$new_replay")
min_segments=$count; [[ "${DATAGUARD_BENCH_WAL_FULL_SEGMENTS:-}" == "1" ]] && min_segments=$(( count * 95 / 100 ))
[[ "$old_segments" -ge "$min_segments" && "$new_segments" -ge "$min_segments" ]] || { echo "bench: replayed $old_segments and $new_segments segments, expected at least $min_segments" >&2; exit 1; }
result wal_replay_per_process "$(printf '%.1f' "$old_rate")" segments/s
result wal_replay_prefetch "$(printf '%.1f' "$new_rate")" segments/s
result wal_restore_per_process_total "$(printf '%.1f' "$old_secs")" s
result wal_restore_prefetch_total "$(printf '%.1f' "$new_secs")" s

echo
printf '%-64s %10s\n' "WAL archiving, a backlog of $archived segments of pgbench's WAL" "segments/s"
printf '%-64s %10.1f\n' "archive_command cp + sync (baseline)" "$cp_rate"
printf '%-64s %10.1f  (%.2fx the baseline)\n' "spool: archive_command's copy (what PostgreSQL waits for)" "$spool_handoff_rate" "$(echo "$spool_handoff_rate / $cp_rate" | bc -l)"
printf '%-64s %10.1f  (%.2fx the baseline)\n' "spool + resident archiver, until all are in storage" "$spool_rate" "$(echo "$spool_rate / $cp_rate" | bc -l)"
printf '%-64s %10.1f  (%.2fx the baseline)\n' "look-ahead (--pg-data), until all are in storage" "$ahead_rate" "$(echo "$ahead_rate / $cp_rate" | bc -l)"
echo
printf '%-64s %10s %12s\n' "Replay of $count archived segments (pitr restore --latest)" "segments/s" "restore, s"
printf '%-64s %10.1f %12.1f\n' "one 'wal fetch' process per segment (WalPrefetch 0)" "$old_rate" "$old_secs"
printf '%-64s %10.1f %12.1f\n' "default restore_command (fast path + prefetcher)" "$new_rate" "$new_secs"
echo
printf '%s\n' "${results[@]}"
