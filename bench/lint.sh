#!/usr/bin/env bash
# Migration lint speed. Static: keel lint --no-measure of a file of N risky statements against a file of one,
# so JVM start-up cancels out (target: under 5 ms per statement). Measured: keel lint of the sample's unsafe
# migration (5 statements) including the scratch copy built from the sample's migrations (target: under 2 s
# per statement).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${STATEMENTS:-2000}"
work="$(mktemp -d /tmp/keel-bench-XXXX)"
trap '"$root/keel" db destroy --yes --project "$work/keel.yaml" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cp -r "$root/examples/commerce/db" "$root/examples/commerce/unsafe" "$work/"
printf 'name: bench\nembedded:\n  database: bench\n' > "$work/keel.yaml"
for i in $(seq "$n"); do
  case $((i % 4)) in
    0) echo "alter table shop.orders add column c$i uuid default gen_random_uuid();" ;;
    1) echo "create index i$i on shop.orders (placed_at);" ;;
    2) echo "alter table shop.products alter column stock type bigint;" ;;
    3) echo "alter table shop.payments add constraint k$i check (amount > 0);" ;;
  esac
done > "$work/many.sql"
head -1 "$work/many.sql" > "$work/one.sql"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
cd "$work"
"$root/keel" --version >/dev/null
best() { printf '%s\n' "$@" | sort -n | head -1; }
one=(); many=()
for _ in 1 2 3; do one+=("$(ms "$root/keel" lint --no-measure one.sql)"); many+=("$(ms "$root/keel" lint --no-measure many.sql)"); done
o=$(best "${one[@]}"); m=$(best "${many[@]}")
awk -v o="$o" -v m="$m" -v n="$n" 'BEGIN { printf "static lint: 1 statement %d ms, %d statements %d ms: %.3f ms per statement (target < 5)\n", o, n, m, (m - o) / (n - 1) }'
"$root/keel" db start >/dev/null 2>&1
runs=()
for _ in 1 2 3; do runs+=("$(ms "$root/keel" lint unsafe/V7__unsafe_changes.sql)"); done
b=$(best "${runs[@]}")
awk -v b="$b" 'BEGIN { printf "measured lint of 5 statements incl. scratch copy (V1..V6 + R applied): runs best %d ms: %.0f ms per statement (target < 2000)\n", b, b / 5 }'
echo "runs: ${runs[*]} ms"
