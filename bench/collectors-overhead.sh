#!/usr/bin/env bash
# The cost of the metrics collectors under load: pgbench's TPC-B-like workload (CLIENTS clients, DURATION
# seconds per round, SCALE; pgbench vacuums its tables before each round) on the embedded server, in ROUNDS
# alternating pairs of rounds: one without sampling, one while every collector is scraped once a second.
# The scrapes run in one JVM (dev.keel.cli.MetricsSampler: the same MetricsCollectors.collect and text
# exposition as keel metrics, on one kept connection), started and warmed up before the first round and
# switched on and off with a flag file, so neither JVM start-ups nor JIT compilation are counted, and both
# kinds of round run beside the same idle JVM. Prints each pair, the overhead of each pair
# (1 - tps with / tps without), their median, and the overhead of the means. Target: under 2%.
# On a busy machine tps moves by more than 2% from round to round, so the script also measures what the
# sampling costs in CPU time, which other load does not disturb: the CPU seconds of the sampler's server
# backend and of its JVM (/proc/PID/stat) per second of sampling, as a share of the machine's cores. When
# pgbench saturates the CPU (it does here), that share is the tps the sampling takes away.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${DURATION:-20}"; clients="${CLIENTS:-4}"; scale="${SCALE:-10}"; rounds="${ROUNDS:-5}"
work="$(mktemp -d /var/tmp/keel-bench-XXXX)"
keel() { "$root/keel" "$@" --project "$work/keel.yaml"; }
sampler=""
trap '[ -n "$sampler" ] && kill "$sampler" 2>/dev/null; keel db destroy --yes >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bin=/usr/lib/postgresql/15/bin

"$root/keel" init "$work" >/dev/null
keel db start >/dev/null
status="$(keel db status --json)"
port=$(sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p' <<<"$status")
db=$(sed -n 's/.*"database" *: *"\([^"]*\)".*/\1/p' <<<"$status")
export PGPASSWORD="$(cat "$work/.keel/pg/password")" PGHOST=127.0.0.1 PGPORT=$port PGUSER=keel PGDATABASE=$db
"$bin/pgbench" -i -q -s "$scale" "$db" >/dev/null 2>&1
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
flag="$work/sampling"

# one JVM for all rounds, warmed up by 20 scrapes before the first round
touch "$flag"
"$java" -XX:+UseSerialGC -cp "$root/keel-cli/target/keel.jar" dev.keel.cli.MetricsSampler 1000 "$flag" 2>"$work/sampler.err" &
sampler=$!
until grep -q sampling "$work/sampler.err" 2>/dev/null; do sleep 0.1; done
backend=$(sed -n 's/^sampling backend \([0-9]*\)$/\1/p' "$work/sampler.err")
sleep 20
rm -f "$flag"

tps() { # one pgbench round; prints its tps
  "$bin/pgbench" -c "$clients" -j 2 -T "$duration" "$db" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p'
}
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system clock ticks
hz=$(getconf CLK_TCK); cores=$(nproc)
without=(); with=(); ticks_backend=0; ticks_jvm=0; sampled=0
for round in $(seq 1 "$rounds"); do
  "$bin/psql" -qAt -c checkpoint "$db" >/dev/null
  without+=("$(tps)")
  "$bin/psql" -qAt -c checkpoint "$db" >/dev/null
  b0=$(cpu "$backend"); j0=$(cpu "$sampler"); t0=$(date +%s.%N)
  touch "$flag"
  with+=("$(tps)")
  rm -f "$flag"
  ticks_backend=$((ticks_backend + $(cpu "$backend") - b0)); ticks_jvm=$((ticks_jvm + $(cpu "$sampler") - j0))
  sampled=$(awk -v s="$sampled" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { print s + t1 - t0 }')
  awk -v r="$round" -v a="${without[-1]}" -v b="${with[-1]}" 'BEGIN {
    printf "round %d: without sampling %.1f tps, with sampling %.1f tps: overhead %.2f%%\n", r, a, b, (1 - b / a) * 100 }'
done
kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=""
echo "sampler: $(tail -1 "$work/sampler.err") (20 of them warm-up)"
awk -v a="${without[*]}" -v b="${with[*]}" -v c="$clients" -v d="$duration" -v s="$scale" 'BEGIN {
  n = split(a, x, " "); split(b, y, " ")
  for (i = 1; i <= n; i++) { sx += x[i]; sy += y[i]; o[i] = (1 - y[i] / x[i]) * 100 }
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (o[j] < o[i]) { t = o[i]; o[i] = o[j]; o[j] = t }
  med = (n % 2) ? o[(n + 1) / 2] : (o[n / 2] + o[n / 2 + 1]) / 2
  printf "pgbench %d clients, %d s rounds, scale %d, %d pairs: mean %.1f tps without, %.1f tps with sampling every second\n", c, d, s, n, sx / n, sy / n
  printf "collectors overhead: median of pairs %.2f%%, of the means %.2f%% (target < 2%%)\n", med, (1 - sy / sx) * 100 }'
awk -v b="$ticks_backend" -v j="$ticks_jvm" -v hz="$hz" -v s="$sampled" -v n="$cores" 'BEGIN {
  cb = b / hz * 1000 / s; cj = j / hz * 1000 / s
  printf "CPU used by sampling every second: %.1f ms per second (server backend %.1f, JVM %.1f) = %.2f%% of %d cores\n", cb + cj, cb, cj, (cb + cj) / 10 / n, n }'
