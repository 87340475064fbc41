#!/usr/bin/env bash
# The JDK's AES-GCM against the native provider Keel uses, each in RUNS fresh JVMs (default 8): 100 MB sealed and
# opened in 4 MiB chunks while Keel's old warm-up runs beside them (bench/GcmJit.java). Prints the milliseconds of
# every run, so the spread shows: with the JDK it is bimodal, depending on what C2 compiled first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-8}"
"$root/keel" --version >/dev/null   # build the jar if needed
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
classes="$(mktemp -d)"; trap 'rm -rf "$classes"' EXIT
# compiled first: the source launcher would compile in the measured JVM and take the JIT's time
"${JAVA_HOME:+$JAVA_HOME/bin/}javac" -d "$classes" "$root/bench/GcmJit.java"
for provider in jdk accp; do
  for op in seal open; do
    times=""
    for _ in $(seq "$runs"); do
      times="$times $("$java" -XX:+UseSerialGC -cp "$classes:$root/keel-cli/target/keel.jar" GcmJit "$provider" "$op")"
    done
    echo "$provider $op 100 MB, ms per run:$times"
  done
done
