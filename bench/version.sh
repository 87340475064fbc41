#!/usr/bin/env bash
# Measures `./keel --version` wall time with the jar built (launcher staleness check included),
# and the staleness check alone. Target: under 0.5 s. Also `./keel inspect --help`: a command line that names a
# command builds only that command's picocli tree, where --version (no command) builds every command's.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-20}"
"$root/keel" --version >/dev/null   # build once if needed

ms() { date +%s%N; }
measure() {
  local best=999999 total=0
  for _ in $(seq "$runs"); do
    local t0; t0=$(ms); "$@" >/dev/null 2>&1; local t1; t1=$(ms)
    local d=$(( (t1 - t0) / 1000000 )); total=$((total + d)); [ "$d" -lt "$best" ] && best=$d
  done
  echo "$best $((total / runs))"
}
read -r vbest vmean < <(measure "$root/keel" --version)
read -r hbest hmean < <(measure "$root/keel" inspect --help)
jar="$root/keel-cli/target/keel.jar"
read -r sbest smean < <(measure find "$root/pom.xml" "$root"/keel-*/pom.xml "$root"/keel-*/src/main -newer "$jar" -print -quit)
echo "keel --version: best ${vbest} ms, mean ${vmean} ms over ${runs} runs (target < 500 ms)"
echo "keel inspect --help (one command's tree): best ${hbest} ms, mean ${hmean} ms"
echo "staleness check alone: best ${sbest} ms, mean ${smean} ms"
