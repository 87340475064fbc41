#!/usr/bin/env bash
# keel insight on a database with 10,000 tables. Target: under 10 s.
# Each table has a primary key, a foreign key to a shared parent with its index, a second (duplicate) index,
# a few rows with dead tuples, and has been read; pg_stat_statements holds a few hundred statements.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tables="${TABLES:-10000}"
work="$(mktemp -d /tmp/keel-bench-XXXX)"
trap '"$root/keel" db destroy --yes --project "$work/keel.yaml" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$root/keel" init "$work" >/dev/null
"$root/keel" db start --project "$work/keel.yaml" >/dev/null
port=$("$root/keel" db status --json --project "$work/keel.yaml" | sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p')
db=$("$root/keel" db status --json --project "$work/keel.yaml" | sed -n 's/.*"database" *: *"\([^"]*\)".*/\1/p')
export PGPASSWORD="$(cat "$work/.keel/pg/password")"
psql_bin="$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)"
conn=(-h 127.0.0.1 -p "$port" -U keel -d "$db")

echo "creating $tables tables with rows, indexes and statistics..."
t0=$(date +%s)
"$psql_bin" "${conn[@]}" -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE TABLE parent (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
INSERT INTO parent (name) SELECT 'p' || g FROM generate_series(1, 100) g;
DO \$\$
BEGIN
  FOR i IN 1..$tables LOOP
    EXECUTE format('CREATE TABLE t%s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id bigint REFERENCES parent, name text NOT NULL, created_at timestamptz DEFAULT now())', i);
    EXECUTE format('CREATE INDEX ON t%s (parent_id)', i);
    EXECUTE format('CREATE INDEX ON t%s (parent_id, name)', i);
    EXECUTE format('INSERT INTO t%s (parent_id, name) SELECT 1 + g %% 100, md5(g::text) FROM generate_series(1, 20) g', i);
    EXECUTE format('DELETE FROM t%s WHERE id %% 4 = 0', i);
    IF i % 300 = 0 THEN EXECUTE format('SELECT count(*) FROM t%s WHERE name = %L', i, 'x'); END IF;
    IF i % 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END \$\$;
ANALYZE;
SQL
echo "created in $(( $(date +%s) - t0 )) s"

time_it() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
url="postgresql://keel@127.0.0.1:$port/$db"
findings=$("$root/keel" insight --json --url "$url" | grep -o '"rule" *: *"[^"]*"' | sort | uniq -c | sort -rn | head -8 || true)
runs=()
for _ in 1 2 3; do
  runs+=("$(time_it "$root/keel" insight --json --url "$url")")
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
k=$(best "${runs[@]}")
echo "findings by rule (top 8):"; echo "$findings"
echo "keel insight --json: ${runs[*]} ms (best $k ms; target < 10000 ms)"
