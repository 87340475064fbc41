#!/usr/bin/env bash
# The memory a backup's file list takes in Keel: a synthetic list of FILES (default 1024) files of 1 GiB, a 1 TiB
# cluster in 256 KiB blocks, written and read back by Keel's own classes (bench/FileListMemory.java), heap measured
# after a GC. Needs the jar (./keel builds it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
files="${FILES:-1024}"
jar="$root/keel-cli/target/keel.jar"
[ -f "$jar" ] || { echo "file-list-memory.sh: build Keel first (./keel --version)" >&2; exit 3; }
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
javac="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
classes="$(mktemp -d /tmp/keel-bench-listmem-XXXX)"
trap 'rm -rf "$classes"' EXIT
"$javac" -d "$classes" -cp "$jar" "$root/bench/FileListMemory.java"
"$java" -Xmx8g -XX:+UseSerialGC -cp "$classes:$jar" dev.keel.ops.backup.FileListMemory "$files"
