#!/usr/bin/env bash
# WAL archiving under write load: the embedded server archives through keel's archive_command (a JVM start
# per call, each call also archiving the segments already ready after it) while pgbench writes for DURATION
# seconds with CLIENTS clients. Every second it samples the segment being written and compares it with
#   - the newest segment durably in the repository (wal/<name>.json exists): the archive's real lag, and
#   - pg_stat_archiver.last_archived_wal: what PostgreSQL has been told so far (segments a push archived
#     ahead are acknowledged when PostgreSQL asks for them in turn, one cheap JVM start each).
# Lag = current segment - newest archived - 1 (the segment being written is not counted). Target: the
# archive's lag never above 2.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${DURATION:-60}"; clients="${CLIENTS:-4}"; scale="${SCALE:-20}"
work="$(mktemp -d /var/tmp/keel-bench-XXXX)"
keel() { "$root/keel" "$@" --project "$work/keel.yaml"; }
trap 'keel db destroy --yes >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bin=/usr/lib/postgresql/15/bin

"$root/keel" init "$work" >/dev/null
keel db start >/dev/null
status="$(keel db status --json)"
port=$(sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p' <<<"$status")
db=$(sed -n 's/.*"database" *: *"\([^"]*\)".*/\1/p' <<<"$status")
export PGPASSWORD="$(cat "$work/.keel/pg/password")" PGHOST=127.0.0.1 PGPORT=$port PGUSER=keel
"$bin/pgbench" -i -q -s "$scale" "$db" >/dev/null 2>&1
keel backup keygen >/dev/null
keel backup full >/dev/null 2>&1   # turns archiving on (the embedded default needs no setup)
q() { "$bin/psql" -qAt -c "$1" "$db"; }
start_count=$(q "select archived_count from pg_stat_archiver")
start_lsn=$(q "select pg_current_wal_lsn()")
"$bin/pgbench" -c "$clients" -j 2 -T "$duration" -n "$db" > "$work/pgbench.txt" 2>&1 &
pid=$!
segno() { echo $(( 16#${1:8:8} * 256 + 16#${1:16:8} )); }
max=0; maxack=0; samples=0
while kill -0 "$pid" 2>/dev/null; do
  read -r cur ack <<<"$(q "select pg_walfile_name(pg_current_wal_lsn()) || ' ' || coalesce(last_archived_wal, '') from pg_stat_archiver" | tr '|' ' ')"
  newest=$(ls "$work/.keel/backups/wal" | grep -E '^[0-9A-F]{24}\.json$' | tail -1)
  lag=$(( $(segno "$cur") - $(segno "${newest:-${cur:0:8}0000000000000000}") - 1 ))
  acklag=$(( $(segno "$cur") - $(segno "${ack:-${cur:0:8}0000000000000000}") - 1 ))
  [ "$lag" -gt "$max" ] && max=$lag
  [ "$acklag" -gt "$maxack" ] && maxack=$acklag
  samples=$((samples + 1)); sleep 1
done
wait "$pid" || true
end_count=$(q "select archived_count from pg_stat_archiver")
failed=$(q "select failed_count from pg_stat_archiver")
walbytes=$(q "select pg_current_wal_lsn() - '$start_lsn'::pg_lsn")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -1)
echo "pgbench: $clients clients, $duration s, $tps tps; WAL written $((walbytes / 1048576)) MiB"
awk -v n=$((end_count - start_count)) -v d="$duration" 'BEGIN { printf "segments archived: %d (%.2f/s)\n", n, n / d }'
echo "largest archive lag (repository): $max segment(s) over $samples samples (target <= 2)"
echo "largest lag acknowledged to PostgreSQL (pg_stat_archiver): $maxack segment(s); archive failures: $failed"

# The cost of one push, as archive_command runs it: a copy of a finished segment into a scratch repository
# (same key), once new and once already archived (PostgreSQL asks again for segments a push archived ahead).
seg=$(ls "$work/.keel/pg/data/pg_wal" | grep -E '^[0-9A-F]{24}$' | sort | tail -2 | head -1)
mkdir -p "$work/push/pg_wal/archive_status" "$work/push/repo"
cp "$work/.keel/pg/data/pg_wal/$seg" "$work/push/pg_wal/"
cp -r "$work/.keel/backups/keys" "$work/push/repo/"
java=$(sed -n "s/^archive_command = '\\(.*\\)' push .*/\\1/p" "$work/.keel/pg/data/postgresql.auto.conf" | sed "s/''/'/g")
for kind in new already; do
  /usr/bin/time -o "$work/push/t" -f "%e" bash -c "$java push --repository '$work/push/repo' '$work/push/pg_wal/$seg'"
  echo "one push ($kind segment, $(( $(stat -c %s "$work/push/pg_wal/$seg") / 1048576 )) MiB raw): $(cat "$work/push/t") s"
done

