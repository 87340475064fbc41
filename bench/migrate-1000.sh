#!/usr/bin/env bash
# Applies 1,000 small migrations with Flyway 13 (flyway-core, the free edition) and with Keel, each into a
# fresh schema of the same embedded PostgreSQL, alternating for 3 rounds. Target: keel/flyway <= 1.0.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${MIGRATIONS:-1000}"; rounds="${ROUNDS:-3}"
work="$(mktemp -d /tmp/keel-bench-XXXX)"
trap '"$root/keel" db destroy --yes --project "$work/keel.yaml" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

(cd "$root" && mvn -q -o -pl keel-schema -am install -DskipTests >/dev/null && \
  mvn -q -o -pl keel-schema dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null)
cp="$root/keel-schema/target/classes:$root/keel-schema/target/test-classes:$(cat "$work/cp.txt")"

"$root/keel" init "$work" >/dev/null
"$root/keel" db start --project "$work/keel.yaml" >/dev/null
status="$("$root/keel" db status --json --project "$work/keel.yaml")"
port=$(sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p' <<<"$status")
db=$(sed -n 's/.*"database" *: *"\([^"]*\)".*/\1/p' <<<"$status")
java -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.keel.schema.bench.MigrateBenchmark \
  "jdbc:postgresql://127.0.0.1:$port/$db" keel "$(cat "$work/.keel/pg/password")" "$n" "$rounds"
