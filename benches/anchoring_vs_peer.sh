#!/usr/bin/env bash
# Re-anchoring, Errata's engine against the Hypothesis-style peer, in the same run.
#
#   benches/anchoring_vs_peer.sh [ROUNDS]          (default 5 rounds)
#
# Both sides re-anchor the 200 quotes of the peer kit's input.json on both of its variants (one
# paragraph rewritten; twenty local edits). Each round runs the peer (node, its five modes'
# batches) and then Errata's engine (the release `anchoring` bench binary in its standalone
# mode), so that the machine's drift touches both alike. Each side's figure per round is the
# median of RUNS timed batches after one untimed one; the script prints the median over rounds,
# the ratio (peer `hypothesis` mode / Errata), and both sides' answers scored against the kit's
# `expected`.
#
# Environment: PEER_DIR (default ../shared/bench/peer, relative to the repository root; copied
# to a temporary folder for `npm ci`, never written to), RUNS (batches per round, default 5),
# CARGO_TARGET_DIR as usual; ERRATA_BENCH_BIN times an already built `anchoring` bench binary
# instead of building one (an earlier build of the engine, say).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
runs="${RUNS:-5}"
peer_dir="${PEER_DIR:-$root/../shared/bench/peer}"
input="$peer_dir/input.json"
if [[ ! -f "$input" ]]; then
    echo "skipped: no peer kit at $peer_dir (set PEER_DIR)" >&2
    exit 0
fi
command -v node >/dev/null || { echo "node is needed for the peer" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$peer_dir"/. "$work/peer"
rm -rf "$work/peer/node_modules"
(cd "$work/peer" && npm ci --no-audit --no-fund --silent >/dev/null)

if [[ -n "${ERRATA_BENCH_BIN:-}" ]]; then
    bin="$ERRATA_BENCH_BIN"
else
    echo "building the release bench binary…" >&2
    bin="$(cd "$root" && cargo bench --bench anchoring --no-run --message-format=json 2>/dev/null \
        | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "anchoring" and m.get("executable"):
        print(m["executable"])')"
fi
[[ -x "$bin" ]] || { echo "no bench binary" >&2; exit 1; }

for ((r = 1; r <= rounds; r++)); do
    echo "round $r/$rounds" >&2
    (cd "$work/peer" && PEER_JSON=1 node hypothesis_peer.js "$work/peer/input.json" --runs "$runs") \
        | tail -n 1 >"$work/peer.$r.json"
    ERRATA_PEER_INPUT="$work/peer/input.json" ERRATA_PEER_RUNS="$runs" "$bin" >"$work/errata.$r.jsonl"
done

python3 - "$work" "$rounds" <<'EOF'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
peer, errata = {}, {}
for r in range(1, rounds + 1):
    for row in json.load(open(f"{work}/peer.{r}.json")):
        peer.setdefault((row["variant"], row["mode"]), []).append(row)
    for line in open(f"{work}/errata.{r}.jsonl"):
        row = json.loads(line)
        errata.setdefault(row["variant"], []).append(row)
print(f"{rounds} interleaved rounds; each figure is the median over rounds of a round's median batch (ms)")
print()
print(f"{'variant':<14} {'errata':>8} {'peer hyp.':>10} {'ratio':>7} {'min ratio':>10} {'no-shortcut':>12}   errata answers                 peer (hypothesis) answers")
for variant, rows in errata.items():
    e = statistics.median(x["median_ms"] for x in rows)
    hyp = peer[(variant, "hypothesis")]
    p = statistics.median(x["median_ms"] for x in hyp)
    ns = statistics.median(x["median_ms"] for x in peer[(variant, "no-shortcut")])
    # The fastest batch of all rounds on each side: what a quiet machine gives.
    e_min = min(x["min_ms"] for x in rows)
    p_min = min(min(x["times_ms"]) for x in hyp)
    last, ph = rows[-1], hyp[-1]
    # The peer's survivors off their words: placed (exact or fuzzy) but not at the truth.
    survivors_none = ph["none"] - ph["editedNone"]
    peer_false = ph["truthTotal"] - ph["truthHit"] - survivors_none
    peer_edited_placed = ph["editedExact"] + ph["editedFuzzy"]
    print(
        f"{variant:<14} {e:>8.2f} {p:>10.2f} {p / e:>6.1f}x {p_min / e_min:>9.1f}x {ns:>12.2f}   "
        f"at truth {last['at_truth']}/{last['surviving']}, false {last['false_anchors']}, "
        f"edited placed {last['edited_placed']}   "
        f"at truth {ph['truthHit']}/{ph['truthTotal']}, false {peer_false}, edited placed {peer_edited_placed}"
    )
print()
print("ratio: the peer's hypothesis mode (as shipped, exact-match shortcut) over Errata; target >= 5x.")
print("min ratio: the same with each side's fastest batch over all rounds (less sensitive to a busy machine).")
print("false: quotes whose words survive, placed elsewhere. edited placed: quotes an edit touched that")
print("were given a place anyway (Errata orphans or marks them ambiguous unless a strong match remains).")
EOF
