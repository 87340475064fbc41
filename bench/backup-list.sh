#!/usr/bin/env bash
# `keel backup list` on a repository of big backups: BACKUPS (default 30) copies of one real backup, each manifest
# given CHUNKS (default 25,000) chunk entries, as a backup of about 100 GB in 4 MiB chunks has. Times the listing
# (best of RUNS, default 3, JVM start included) twice: with each backup's sizes and metadata in its COMPLETE
# marker, as Keel writes it, and with markers as older versions wrote them ("complete"), when every manifest is
# parsed instead. Only the listing reads these copies: their chunk files do not exist.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
backups="${BACKUPS:-30}"; chunks="${CHUNKS:-25000}"; runs="${RUNS:-3}"
command -v python3 >/dev/null || { echo "backup-list.sh: python3 is needed (Debian: apt-get install python3)" >&2; exit 3; }
work="$(mktemp -d /var/tmp/keel-bench-list-XXXX)"
keel() { "$root/keel" "$@" --project "$work/keel.yaml"; }
trap 'keel db destroy --yes >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$root/keel" init "$work" >/dev/null
keel backup keygen >/dev/null
keel backup full >/dev/null 2>&1
keel db stop >/dev/null
repo="$work/.keel/backups/backups"
python3 - "$repo" "$backups" "$chunks" <<'EOF'
import json, os, shutil, sys
repo, backups, chunks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
[source] = os.listdir(repo)
manifest = json.load(open(os.path.join(repo, source, "manifest.json")))
summary = json.load(open(os.path.join(repo, source, "COMPLETE")))
for n in range(backups):
    bid = "20200101T%06dZ-full" % n
    os.makedirs(os.path.join(repo, bid))
    stream = manifest["streams"][0]
    big = dict(stream, chunks=[dict(stream["chunks"][0], index=i) for i in range(chunks)])
    json.dump(dict(manifest, backupId=bid, streams=[big] + manifest["streams"][1:]),
              open(os.path.join(repo, bid, "manifest.json"), "w"))
    json.dump(dict(summary, backupId=bid), open(os.path.join(repo, bid, "COMPLETE"), "w"))
shutil.rmtree(os.path.join(repo, source))
EOF
best() {
  local b=999999
  for _ in $(seq "$runs"); do
    local t0 t1; t0=$(date +%s%N); keel backup list >/dev/null; t1=$(date +%s%N)
    local d=$(( (t1 - t0) / 1000000 )); [ "$d" -lt "$b" ] && b=$d
  done
  echo "$b"
}
[ "$(keel backup list --json | grep -c '"complete"')" -eq "$backups" ] || { echo "backup-list.sh: the copies are not listed complete" >&2; exit 1; }
summary_ms=$(best)
for d in "$repo"/*/; do printf 'complete\n' >"$d/COMPLETE"; done
manifest_ms=$(best)
echo "$backups backups of $chunks chunks, manifests $(du -sh "$repo" | cut -f1) in all"
echo "keel backup list, sizes from the COMPLETE marker: best ${summary_ms} ms"
echo "keel backup list, sizes from each manifest (markers of older versions): best ${manifest_ms} ms"
