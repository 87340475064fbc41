#!/usr/bin/env bash
# keel inspect of a database with 10,000 tables, against pg_dump --schema-only of the same database in
# the same run. Targets: keel under 10 s, and faster than pg_dump (ratio < 1).
# Each table has a primary key, three more columns, a foreign key to a shared parent, an index and a comment.
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
pg_dump_bin="$(command -v pg_dump || echo /usr/lib/postgresql/15/bin/pg_dump)"
conn=(-h 127.0.0.1 -p "$port" -U keel -d "$db")

echo "creating $tables tables..."
t0=$(date +%s)
"$psql_bin" "${conn[@]}" -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE parent (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
DO \$\$
BEGIN
  FOR i IN 1..$tables LOOP
    EXECUTE format('CREATE TABLE t%s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id bigint REFERENCES parent, name text NOT NULL, created_at timestamptz DEFAULT now())', i);
    EXECUTE format('CREATE INDEX ON t%s (parent_id)', i);
    EXECUTE format('COMMENT ON TABLE t%s IS %L', i, 'bench table ' || i);
    IF i % 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END \$\$;
ANALYZE;
SQL
echo "created in $(( $(date +%s) - t0 )) s"

time_it() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
url="postgresql://keel@127.0.0.1:$port/$db"
keel_runs=(); dump_runs=()
for _ in 1 2 3; do
  keel_runs+=("$(time_it "$root/keel" inspect --json --url "$url")")
  dump_runs+=("$(time_it "$pg_dump_bin" --schema-only "${conn[@]}")")
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
k=$(best "${keel_runs[@]}"); d=$(best "${dump_runs[@]}")
echo "keel inspect --json: ${keel_runs[*]} ms (best $k ms)"
echo "pg_dump --schema-only: ${dump_runs[*]} ms (best $d ms)"
awk -v k="$k" -v d="$d" 'BEGIN { printf "ratio keel/pg_dump: %.2f (target < 1), keel target < 10000 ms\n", k / d }'
