#!/usr/bin/env bash
# Secrets in the full history (item 6.7), measured side by side in one run:
#   - stethoscope's full-history scan of a generated repository (COMMITS commits with merges,
#     about MB MiB of distinct blobs, secrets planted at known places: ordinary commits, files
#     deleted later, merge commits' conflict resolutions, an unmerged branch, a commit only an
#     annotated tag reaches, a remote-tracking ref): wall time, found/planted, other findings,
#     peak memory (target: ≤ 15 s on 2 cores, every planted secret, no other finding);
#   - stethoscope on a tree of placeholders (target: 0 findings);
#   - detect-secrets (PyPI; installed with pip when missing) on the same working tree and on
#     the placeholder tree;
#   - `git log -p --all | grep -E` of the same formats over the same history.
# Usage: bench/secrets.sh            (COMMITS=10000 MB=200 by default; BENCH_DIR keeps the files)
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
COMMITS=${COMMITS:-10000}
MB=${MB:-200}
work=${BENCH_DIR:-$(mktemp -d /tmp/steth-secrets.XXXX)}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -q -p stethoscope
bin="$target/release/stethoscope"

if [ ! -d "$work/repo/.git" ]; then
  echo "secrets: generating $COMMITS commits, about $MB MiB of blobs in $work/repo"
  python3 bench/secrets_repo.py "$work/repo" "$work/planted.jsonl" "$work/placeholders" "$COMMITS" "$MB"
fi
commits=$(git -C "$work/repo" rev-list --all --count)
merges=$(git -C "$work/repo" rev-list --all --merges --count)
blob_mb=$(git -C "$work/repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
  | awk '$1 == "blob" { s += $2 } END { printf "%.0f", s / 1048576 }')
echo "secrets: $commits commits ($merges merges), $blob_mb MiB of distinct blobs, $(wc -l < "$work/planted.jsonl") planted secrets; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. stethoscope, full history.
python3 bench/peak_rss.py "$work/steth.time" -- \
  "$bin" audit --source "$work/repo" --only 6.7 --quiet --format json --out "$work/steth.json"
# 2. stethoscope, placeholders.
"$bin" audit --source "$work/placeholders" --only 6.7 --quiet --format json --out "$work/steth-placeholders.json"

# 3. detect-secrets on the same working tree (HEAD's files) and on the placeholder tree.
if ! command -v detect-secrets >/dev/null; then
  echo "secrets: installing detect-secrets with pip"
  pip install --quiet detect-secrets >/dev/null
fi
ds_version=$(detect-secrets --version)
(cd "$work/repo" && python3 "$here/bench/peak_rss.py" "$work/ds.time" -- \
  detect-secrets scan --all-files --exclude-files '^\.git/' > "$work/ds.json")
(cd "$work/placeholders" && detect-secrets scan --all-files > "$work/ds-placeholders.json")

# 4. git log -p over every ref, grepped for the same formats (added lines and what follows a
#    key block's first line).
patterns='AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20}|xox[baprs]-[0-9A-Za-z-]{10,}|[sr]k_live_[0-9A-Za-z]{24,}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36}|(postgres|postgresql|mysql|mongodb|amqps?|redis)://[^:@/ ]+:[^@/ ]+@|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|(secret|password|token|api_key)[A-Za-z_]*[[:space:]]*=[[:space:]]*.[^ ]{16,}'
python3 bench/peak_rss.py "$work/grep.time" -- \
  bash -c "git -C '$work/repo' log -p --all --no-color | LC_ALL=C grep -E -A11 '^\\+.*($patterns)' > '$work/grep.out' || true"

python3 - "$work" "$ds_version" <<'EOF'
import hashlib, json, sys
work, ds_version = sys.argv[1], sys.argv[2]
planted = [json.loads(l) for l in open(f"{work}/planted.jsonl")]
def scan(path):
    return json.load(open(path))["raw_evidence"]["source"]["data"]["secrets"]["data"]
def seconds(path):
    wall, own, children = open(path).read().split()
    return float(wall), int(own) / 1024, int(children) / 1024
s = scan(f"{work}/steth.json")
fp = {f["redacted"]["fingerprint"] for f in s["findings"]}
mine = {hashlib.sha256(p["value"].encode()).hexdigest()[:12] for p in planted}
found = [p for p in planted if hashlib.sha256(p["value"].encode()).hexdigest()[:12] in fp]
other = [f for f in s["findings"] if f["redacted"]["fingerprint"] not in mine]
wall, mem, git_mem = seconds(f"{work}/steth.time")
ph = scan(f"{work}/steth-placeholders.json")
print(f"stethoscope  full history: {wall:.1f} s, peak RSS {mem:.0f} MiB (its git processes: {git_mem:.0f} MiB); {s['blobs']} distinct blobs, "
      f"{s['bytes'] >> 20} MiB, {s['commits']} commits, {s['refs']} refs")
print(f"             found {len(found)}/{len(planted)} planted, {len(other)} other finding(s); "
      f"placeholder tree: {len(ph['findings'])} finding(s)")
for p in planted:
    if p not in found:
        print(f"             MISSED {p['rule']} at {p['where']}")
for f in other[:10]:
    print(f"             OTHER {f['rule']} {f['path']}:{f['line']}")
ds = json.load(open(f"{work}/ds.json"))["results"]
dsp = json.load(open(f"{work}/ds-placeholders.json"))["results"]
def in_tree(p):
    path = p["where"].split(" ")[0]
    try:
        return p["value"] in open(f"{work}/repo/{path}").read()
    except OSError:
        return False
tree = [p for p in planted if in_tree(p)]
ds_found = [p for p in tree if ds.get(p["where"].split(" ")[0])]
st_tree = [p for p in tree if p in found]
ds_wall, ds_mem, _ = seconds(f"{work}/ds.time")
print(f"             of the {len(tree)} planted secrets still in the working tree: found {len(st_tree)}")
print(f"detect-secrets {ds_version} (working tree only): {ds_wall:.1f} s, peak RSS {ds_mem:.0f} MiB; "
      f"a result in the file of {len(ds_found)}/{len(tree)} planted in the working tree (0/{len(planted) - len(tree)} "
      f"of those only in history), {sum(map(len, ds.values()))} result(s); "
      f"placeholder tree: {sum(map(len, dsp.values()))} result(s)")
g = open(f"{work}/grep.out", errors="replace").read()
g_found = [p for p in planted if p["value"].split("\n")[1 if p["rule"] == "private-key" else 0] in g]
g_wall, _, _ = seconds(f"{work}/grep.time")
print(f"git log -p --all | grep -E: {g_wall:.1f} s; found {len(g_found)}/{len(planted)} planted "
      f"(misses: {', '.join(sorted(set(p['where'].split(' ')[0] for p in planted if p not in g_found))) or 'none'})")
EOF
