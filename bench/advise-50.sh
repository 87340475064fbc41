#!/usr/bin/env bash
# keel advise indexes on a workload of 50 distinct statements over 5 tables of 200,000 rows each (no
# secondary indexes), each statement run 5 times so pg_stat_statements weighs them. Target: under 30 s.
# --max-indexes 60 so the selection runs to the end instead of stopping at the default 10.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rows="${ROWS:-200000}"
work="$(mktemp -d /tmp/keel-bench-XXXX)"
trap '"$root/keel" db destroy --yes --project "$work/keel.yaml" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$root/keel" init "$work" >/dev/null
"$root/keel" db start --project "$work/keel.yaml" >/dev/null
port=$("$root/keel" db status --json --project "$work/keel.yaml" | sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p')
db=$("$root/keel" db status --json --project "$work/keel.yaml" | sed -n 's/.*"database" *: *"\([^"]*\)".*/\1/p')
export PGPASSWORD="$(cat "$work/.keel/pg/password")"
psql_bin="$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)"
conn=(-h 127.0.0.1 -p "$port" -U keel -d "$db")

echo "creating 5 tables of $rows rows and running 50 statements x 5..."
t0=$(date +%s)
"$psql_bin" "${conn[@]}" -q -o /dev/null -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE dim (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO dim SELECT g, 'd' || g FROM generate_series(1, 1000) g;
DO \$\$
BEGIN
  FOR t IN 1..5 LOOP
    EXECUTE format('CREATE TABLE w%s (id bigint PRIMARY KEY, a int, b int, c int, d int, e timestamptz, f int, g int, h int, note text)', t);
    EXECUTE format('INSERT INTO w%s SELECT i, i %% 50000, i %% 99991, i %% 1000, i %% 86400, now() - i * interval ''1 minute'', i %% 20000, i %% 7777, 1 + i %% 1000, md5(i::text) FROM generate_series(1, $rows) i', t);
  END LOOP;
END \$\$;
ANALYZE;
SELECT pg_stat_statements_reset();
-- top-level statements (\gexec), as an application would send them: pg_stat_statements weighs them by calls
SELECT q FROM generate_series(1, 5) t, generate_series(1, 5) r, LATERAL (SELECT (random() * 1000)::int + 0 * t + 0 * r AS k) x,
  LATERAL unnest(ARRAY[
    format('SELECT * FROM w%s WHERE a = %s', t, k),
    format('SELECT count(*) FROM w%s WHERE b BETWEEN %s AND %s', t, k, k + 10),
    format('SELECT * FROM w%s WHERE c = %s AND d > %s', t, k, 86000),
    format('SELECT * FROM w%s ORDER BY e DESC LIMIT %s', t, 10),
    format('SELECT * FROM w%s WHERE f = %s ORDER BY g LIMIT %s', t, k, 10),
    format('SELECT w.id FROM w%s w JOIN dim ON dim.id = w.h WHERE dim.name = %L AND w.c = %s', t, 'd' || k, k),
    format('SELECT * FROM w%s WHERE a = %s AND b = %s', t, k, k),
    format('SELECT count(*) FROM w%s WHERE d BETWEEN %s AND %s', t, k, k + 5),
    format('SELECT id FROM w%s WHERE g = %s', t, k),
    format('SELECT * FROM w%s WHERE note = %L', t, md5(k::text))]) q \gexec
SQL
echo "prepared in $(( $(date +%s) - t0 )) s"
statements=$("$psql_bin" "${conn[@]}" -At -c "SELECT count(*) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query ~* '^select .* from w[0-9]'")
echo "workload statements in pg_stat_statements: $statements"

time_it() { local t0 t1; t0=$(date +%s%N); "$@" >"$work/advice.json"; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
url="postgresql://keel@127.0.0.1:$port/$db"
runs=()
for _ in 1 2 3; do
  runs+=("$(time_it "$root/keel" advise indexes --json --max-indexes 60 --url "$url")")
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
k=$(best "${runs[@]}")
echo "recommendations: $(grep -o '"ddl" *: *"[^"]*"' "$work/advice.json" | wc -l)"
grep -o '"ddl" *: *"[^"]*"' "$work/advice.json" | sed 's/"ddl" *: *//' | head -20
echo "keel advise indexes --json: ${runs[*]} ms (best $k ms; target < 30000 ms)"
