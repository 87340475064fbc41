#!/usr/bin/env bash
# WAL archiving under write load: the embedded server archives through keel's archive_command (a JVM start
# per call, each call also archiving the segments already ready after it) while pgbench writes for DURATION
# seconds with CLIENTS clients. Samples pg_stat_archiver every second; reports segments archived per second
# and the largest archive lag in segments (current segment - last archived - 1). Target: lag never above 2.
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
max=0; samples=0
while kill -0 "$pid" 2>/dev/null; do
  lag=$(q "select greatest(0, (('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 9, 8))::bit(32)::bigint * 256
             + ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 17, 8))::bit(32)::bigint)
           - coalesce((('x' || substr(last_archived_wal, 9, 8))::bit(32)::bigint * 256
             + ('x' || substr(last_archived_wal, 17, 8))::bit(32)::bigint), 0) - 1) from pg_stat_archiver")
  [ "$lag" -gt "$max" ] && max=$lag
  samples=$((samples + 1)); sleep 1
done
wait "$pid" || true
end_count=$(q "select archived_count from pg_stat_archiver")
failed=$(q "select failed_count from pg_stat_archiver")
walbytes=$(q "select pg_current_wal_lsn() - '$start_lsn'::pg_lsn")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -1)
echo "pgbench: $clients clients, $duration s, $tps tps; WAL written $((walbytes / 1048576)) MiB"
awk -v n=$((end_count - start_count)) -v d="$duration" 'BEGIN { printf "segments archived: %d (%.2f/s)\n", n, n / d }'
echo "largest archive lag: $max segment(s) over $samples samples (target <= 2); archive failures: $failed"
