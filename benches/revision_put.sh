#!/usr/bin/env bash
# The revision PUT end to end: `PUT /api/v1/articles` with a changed ~10,000-word text, on an
# article with 200 open reports (each one re-anchored and recorded) against the same PUT on an
# article with none, alternated in the same run on a release build, on loopback.
#
#   benches/revision_put.sh [ROUNDS]        (default 20 PUTs of each kind)
#
# The article is the peer kit's original (../shared/bench/peer/input.json, or PEER_DIR) and each
# PUT swaps it with its `one_paragraph` variant, so every PUT is a one-paragraph rewrite; the
# 200 reports quote the kit's 200 passages. Without the kit a generated article is used, with
# one paragraph reworded per PUT. Prints the median and quartiles of each kind and their ratio
# (target: at most 3x). CARGO_TARGET_DIR is honoured; BINARY skips the build.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-20}"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${BINARY:-$target/release/errata}"
if [[ -z "${BINARY:-}" ]]; then
    (cd "$root" && cargo build --release --bin errata >&2)
fi
work="$(mktemp -d)"
server=""
cleanup() {
    if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export ROCKET_PORT="$port" ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=off \
    ROCKET_DATABASE_URL="$work/bench.db" ROCKET_MAIL_DIR="$work/mail" \
    ROCKET_PUBLIC_URL="http://127.0.0.1:$port" ROCKET_REPORT_RATE_LIMIT=0
cd "$work"
"$bin" migrate >/dev/null
"$bin" publication add --name Bench --url https://bench.example.org >/dev/null
echo "bench-password-123456" | "$bin" user add --email bench@example.org --name Bench --role admin --password-stdin >/dev/null
token="$("$bin" token add --user bench@example.org --name bench --scope articles:write 2>/dev/null | tail -n 1)"
"$bin" serve >/dev/null 2>&1 &
server=$!

PEER_INPUT="${PEER_DIR:-$root/../shared/bench/peer}/input.json" TOKEN="$token" PORT="$port" ROUNDS="$rounds" \
python3 - <<'EOF'
import http.client, json, os, random, statistics, sys, time

port, token, rounds = int(os.environ["PORT"]), os.environ["TOKEN"], int(os.environ["ROUNDS"])
for _ in range(200):
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
        break
    except OSError:
        time.sleep(0.1)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

def call(method, path, body, auth=True):
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {token}"
    t0 = time.perf_counter()
    conn.request(method, path, body=json.dumps(body), headers=headers)
    r = conn.getresponse()
    data = r.read()
    ms = (time.perf_counter() - t0) * 1000
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
    return ms, json.loads(data)

try:
    kit = json.load(open(os.environ["PEER_INPUT"]))
    texts = [kit["original"], next(v["text"] for v in kit["variants"] if v["name"] == "one_paragraph")]
    quotes = kit["quotes"]
    source = "the peer kit's article and its one_paragraph variant"
except OSError:
    rng = random.Random(7)
    words = "the council voted on Tuesday to approve a bond for repairs of the bridge which has been closed since March".split()
    paras = [" ".join(rng.choice(words) for _ in range(80)) + "." for _ in range(125)]
    edited = list(paras)
    edited[62] = "A rewritten paragraph. " + " ".join(rng.choice(words) for _ in range(70)) + "."
    texts = ["\n\n".join(paras), "\n\n".join(edited)]
    quotes = []
    for i in range(200):
        p = paras[(i * 125) // 200 if (i * 125) // 200 != 62 else 61]
        w = p.split()
        k = i % 60
        exact = " ".join(w[k:k + 6])
        quotes.append({"exact": exact, "prefix": " ".join(w[max(0, k - 5):k]), "suffix": " ".join(w[k + 6:k + 11])})
    source = "a generated article (no peer kit)"

with_reports = "https://bench.example.org/with-reports"
without = "https://bench.example.org/without-reports"
for url in (with_reports, without):
    call("PUT", "/api/v1/articles", {"url": url, "title": "Bench article", "body_text": texts[0]})
filed = 0
for i, q in enumerate(quotes[:200]):
    passage = {"exact": q["exact"], "prefix": q.get("prefix"), "suffix": q.get("suffix")}
    call("POST", "/api/v1/reports", {
        "article_url": with_reports,
        "passage": passage,
        "category": "factual_error",
        "description": f"Bench report {i}: this looks wrong.",
        "reporter": {"email": f"reader{i}@example.org", "notify": False},
    }, auth=False)
    filed += 1

times = {with_reports: [], without: []}
for r in range(rounds):
    text = texts[(r + 1) % 2]
    for url in (with_reports, without) if r % 2 == 0 else (without, with_reports):
        ms, answer = call("PUT", "/api/v1/articles", {"url": url, "title": "Bench article", "body_text": text})
        assert answer["changed"], answer
        times[url].append(ms)

def summary(xs):
    q = statistics.quantiles(xs, n=4)
    return f"median {statistics.median(xs):7.2f} ms  (quartiles {q[0]:.2f}-{q[2]:.2f})"

a, b = statistics.median(times[with_reports]), statistics.median(times[without])
print(f"revision PUT, {source}, {rounds} PUTs of each kind, alternated")
print(f"  with {filed} open reports: {summary(times[with_reports])}")
print(f"  with no reports:        {summary(times[without])}")
print(f"  ratio {a / b:.2f}x (target <= 3x)")
EOF
