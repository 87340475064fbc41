#!/usr/bin/env bash
# Backup and restore throughput on a generated pgbench database of about 2 GB (SCALE=140), in the same run:
#   pg_basebackup -D DIR -Ft -X fetch (its defaults: the tar and manifest fsynced, as Keel fsyncs its chunks)
#   pg_basebackup -D - -Ft -X fetch > FILE (the same tar through stdout, never fsynced)
#                                                      vs  keel backup full (zstd + AES-256-GCM, fsynced chunks;
#                                                          COMPRESSION=lz4 sets backup.compression; Keel reads the
#                                                          data directory itself, backup.engine auto)
#                                                      and keel backup full --engine pg_basebackup
#   tar -xf of pg_basebackup's tar into an empty dir  vs  keel restore --to DIR (decrypt + decompress + extract)
# Rounds in alternating order (ROUNDS, default 4), each command after a memory warm-up (WARM, below); reports the best seconds of each, MB/s, CPU seconds and the ratios, then the medians. Targets: backup >= 0.9x pg_basebackup's throughput,
# restore at least as fast as extracting pg_basebackup's tar (ratio keel/tar time <= 1.0). The backup ratio is given
# against both forms of pg_basebackup; the durable one is the like-for-like comparison. Last, the CPU cost of each
# stage of the pipeline on the same tar (bench/BackupStages.java), and the prototype the direct engine came from
# (bench/DirectCopy.java): the same reading without Keel's start-up, file list, label, WAL or manifest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scale="${SCALE:-140}"
work="$(mktemp -d /var/tmp/keel-bench-XXXX)"
keel() { "$root/keel" "$@" --project "$work/keel.yaml"; }
trap 'keel db destroy --yes >/dev/null 2>&1 || true; rm -rf "$work" /dev/shm/keel-bench-warm' EXIT
bin=/usr/lib/postgresql/15/bin

"$root/keel" init "$work" >/dev/null
compression="${COMPRESSION:-zstd}"
printf '\nbackup:\n  compression: %s\n' "$compression" >>"$work/keel.yaml"
keel db start >/dev/null
status="$(keel db status --json)"
port=$(sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p' <<<"$status")
db=$(sed -n 's/.*"database" *: *"\([^"]*\)".*/\1/p' <<<"$status")
export PGPASSWORD="$(cat "$work/.keel/pg/password")" PGHOST=127.0.0.1 PGPORT=$port PGUSER=keel
echo "generating pgbench scale $scale ..." >&2
"$bin/pgbench" -i -q -s "$scale" "$db" >/dev/null 2>&1
"$bin/psql" -qAt -c checkpoint "$db" >/dev/null
size=$("$bin/psql" -qAt -c "select sum(pg_database_size(datname)) from pg_database" "$db")
echo "database cluster: $((size / 1024 / 1024)) MiB" >&2
keel backup keygen >/dev/null
keel wal setup --apply >/dev/null   # archiving on before the measurements (the first backup would do it)

measure() { # label, command... ; prints "label seconds user-cpu system-cpu"
  local label="$1"; shift
  /usr/bin/time -o "$work/time.txt" -f "%e %U %S" "$@" >/dev/null 2>"$work/$label.err" || { cat "$work/$label.err" >&2; exit 1; }
  echo "$label $(tail -1 "$work/time.txt")"
}
mb() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }

# Rounds (ROUNDS, default 4); the best time of each tool counts, and the medians are printed too. The order
# alternates: odd rounds run the reference tool first, even rounds Keel first, because whichever writes its 2.1 GB
# second pays for the kernel's writeback and reclaim of the first (measured: Keel's restore took 2.7 s when first and
# 3.1-4.9 s right after tar -xf, on the same backup).
# Before each measurement WARM MiB (default 3000; 0 turns it off) are written to /dev/shm and deleted. This VM hands
# freed memory back to its host after about 2 s and the next page-cache write into it faults on the host: 1 GiB took
# 0.2 s to write into just-freed memory and 2.0-2.5 s after a pause (bench/RESULTS.md). Without the warm-up, which
# tool got a "quiet" round decided most ratios; with it, every command starts on memory freed just before.
rounds="${ROUNDS:-4}"
warm_mb="${WARM:-3000}"
declare -A best_s best_u best_k all
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run() { # key, label, command...: measures the command after a sync and the warm-up, keeps the best and all times
  local key="$1" label="$2" s u k; shift 2
  sync
  if [ "$warm_mb" -gt 0 ]; then
    dd if=/dev/zero of=/dev/shm/keel-bench-warm bs=1M count="$warm_mb" status=none
    rm -f /dev/shm/keel-bench-warm
  fi
  read -r _ s u k <<<"$(measure "$key" "$@")"
  all[$key]="${all[$key]:-} $s"
  if [ -z "${best_s[$key]:-}" ] || awk -v a="$s" -v b="${best_s[$key]}" 'BEGIN { exit !(a < b) }'; then
    best_s[$key]=$s; best_u[$key]=$u; best_k[$key]=$k
  fi
  echo "  $label $s s" >&2
}
# The previous round's tar is deleted first: overwriting it made the shell truncate 2.2 GB of page cache (some of it
# still being written back) inside the measurement, which took pg_basebackup from 1.2 s to 2.8-3.2 s.
run_pb() { rm -f "$work/base.tar"; run pb "pg_basebackup" bash -c "'$bin/pg_basebackup' -D - -Ft -X fetch -c fast > '$work/base.tar'"; }
run_pd() { rm -rf "$work/basedir"; run pd "pg_basebackup -D DIR" "$bin/pg_basebackup" -D "$work/basedir" -Ft -X fetch -c fast; }
run_kb() { run kb "keel backup" "$root/keel" backup full --project "$work/keel.yaml"; }
run_ks() { run ks "keel backup --engine pg_basebackup" "$root/keel" backup full --engine pg_basebackup --project "$work/keel.yaml"; }
run_tx() { rm -rf "$work/tarx"; mkdir "$work/tarx"; run tx "tar -xf" tar -xf "$work/base.tar" -C "$work/tarx"; }
run_kr() { rm -rf "$work/restored"; run kr "keel restore" "$root/keel" restore --to "$work/restored" --project "$work/keel.yaml"; }
for round in $(seq 1 "$rounds"); do
  echo "round $round" >&2
  if [ $((round % 2)) -eq 1 ]; then
    run_pb; run_pd; run_kb; run_ks; run_tx; run_kr
  else
    run_kb; run_ks; run_pd; run_pb; run_kr; run_tx
  fi
done
raw=$(stat -c %s "$work/base.tar")
# what the last backup Keel read itself stores (the rounds also keep pg_basebackup-engine backups)
stored=$("$root/keel" backup list --json --project "$work/keel.yaml" \
  | awk -F': ' '/"storedBytes"/ { s = $2 + 0 } /"engine": "direct"/ { d = s } END { print d + 0 }')
printf "%-36s %8s %10s %10s\n" "step" "seconds" "MB/s" "CPU s"
row() { printf "%-36s %8s %10s %10s\n" "$1" "${best_s[$2]}" "$(mb "$raw" "${best_s[$2]}")" "$(awk "BEGIN{print ${best_u[$2]}+${best_k[$2]}}")"; }
row "pg_basebackup -D DIR -Ft" pd
row "pg_basebackup -D - > file" pb
row "keel backup full" kb
row "keel backup --engine pg_basebackup" ks
row "tar -xf (pg_basebackup)" tx
row "keel restore" kr
echo "raw $((raw / 1048576)) MiB, stored by keel $((stored / 1048576)) MiB ($compression + encryption)"
awk -v a="${best_s[pd]}" -v b="${best_s[kb]}" 'BEGIN { printf "backup throughput ratio keel/pg_basebackup -D DIR (durable, like Keel): %.2f (target >= 0.9)\n", a / b }'
awk -v a="${best_s[pb]}" -v b="${best_s[kb]}" 'BEGIN { printf "backup throughput ratio keel/pg_basebackup -D - > file (not fsynced): %.2f\n", a / b }'
awk -v a="${best_s[pb]}" -v b="${best_s[ks]}" 'BEGIN { printf "the same with keel backup --engine pg_basebackup: %.2f\n", a / b }'
awk -v a="${best_s[tx]}" -v b="${best_s[kr]}" 'BEGIN { printf "restore time ratio keel/tar: %.2f (target <= 1.0)\n", b / a }'
declare -A med
for key in pd pb kb ks tx kr; do med[$key]=$(median "${all[$key]}"); done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf "medians of all rounds: pg_basebackup -D DIR %s s, -D - %s s, keel backup %s s (ratios %s, %s); tar -xf %s s, keel restore %s s (ratio %s)\n" \
  "${med[pd]}" "${med[pb]}" "${med[kb]}" "$(ratio "${med[pd]}" "${med[kb]}")" "$(ratio "${med[pb]}" "${med[kb]}")" \
  "${med[tx]}" "${med[kr]}" "$(ratio "${med[kr]}" "${med[tx]}")"
echo "medians: keel backup --engine pg_basebackup ${med[ks]} s (ratio to -D - $(ratio "${med[pb]}" "${med[ks]}"))"
echo "all rounds (seconds): pg_basebackup -D DIR${all[pd]}; -D -${all[pb]}; keel backup${all[kb]}; --engine pg_basebackup${all[ks]}; tar -xf${all[tx]}; keel restore${all[kr]}"
echo
echo "what each stage of the pipeline costs on this tar (bench/BackupStages.java, one thread, best of 3):"
"${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "$root/keel-cli/target/keel.jar" "$root/bench/BackupStages.java" "$work/base.tar"
echo
echo "prototype, not Keel (bench/DirectCopy.java): the data directory read by 2 threads instead of through pg_basebackup,"
echo "each 4 MiB hashed, compressed, encrypted and written (best of 3, JVM start included):"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p "$work/classes"
"${JAVA_HOME:+$JAVA_HOME/bin/}javac" -d "$work/classes" -cp "$root/keel-cli/target/keel.jar" "$root/bench/DirectCopy.java"
jsa="$(ls "$root"/keel-cli/target/keel-*.jsa 2>/dev/null | head -1)"
for codec in zstd lz4; do
  for r in 1 2 3; do
    rm -rf "$work/direct"
    run "dc_$codec" "direct copy ($codec)" "$java" ${jsa:+-XX:SharedArchiveFile=$jsa -Xlog:cds=off} -XX:TieredStopAtLevel=1 \
      -XX:+UseSerialGC -Djava.library.path="$root/keel-cli/target/native" \
      -Dcom.amazon.corretto.crypto.provider.useExternalLib=true -cp "$root/keel-cli/target/keel.jar:$work/classes" \
      DirectCopy "$work/.keel/pg/data" "$work/direct" 2 "$codec"
  done
  echo "direct copy ($codec): best ${best_s[dc_$codec]} s, median $(median "${all[dc_$codec]}") s; throughput ratio to pg_basebackup -D - > file (best ${best_s[pb]} s): $(ratio "${best_s[pb]}" "${best_s[dc_$codec]}")"
done
