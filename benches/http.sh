#!/usr/bin/env bash
# Errata's HTTP paths side by side with a bare Rocket 0.5 app (the baseline of the shared bench
# kit), interleaved A B A B for three rounds with `wrk -t2 -c64 -d10s`, then the memory of both
# after the intake load. On a shared, noisy machine only the ratios of one run mean anything.
#
# Needs: wrk (Debian: `apt-get install -y wrk`), curl, python3, and the kit, found at
# `../shared/bench` next to the project (set ERRATA_BENCH_KIT to use another copy).
#
#   benches/http.sh                 # everything
#   ROUNDS=1 DURATION=5s benches/http.sh
#   ERRATA_BIN=/path/to/errata benches/http.sh          # measure that build instead of this tree's
#   BEFORE_BIN=/path/to/older/errata benches/http.sh    # and an older build too, in the same rounds
#   BASELINE_BIN=/path/to/perf-baseline benches/http.sh # a baseline built already
#   KINDS="post" benches/http.sh     # only some paths (of get, 304, post)
#   PERF_OUT=/tmp/prof ROUNDS=1 benches/http.sh   # also `perf record` Errata under each load
#   ERRATA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench BEFORE_BIN=same/errata benches/http.sh
#                                    # Errata on an empty PostgreSQL database, "before" on SQLite:
#                                    # the after/before column is then PostgreSQL against SQLite
#
# The Errata side: a release build of this tree, on a fresh database with one article of about
# 3,000 words (the first paragraphs of the kit's peer article) carrying three published
# corrections; the report rate limit is off (every filing comes from one address) and both
# servers log nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KIT="${ERRATA_BENCH_KIT:-$ROOT/../shared/bench}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
ERRATA_PORT="${ERRATA_PORT:-8210}"
BASE_PORT="${BASE_PORT:-8211}"
BEFORE_PORT="${BEFORE_PORT:-8212}"
BASELINE_TARGET="${BASELINE_TARGET:-/tmp/errata-bench-baseline}"
KINDS="${KINDS:-get 304 post}"

for tool in wrk curl python3 cargo; do
    command -v "$tool" >/dev/null || {
        echo "benches/http.sh needs $tool (wrk: apt-get install -y wrk)" >&2
        exit 1
    }
done
[ -f "$KIT/baseline/Cargo.toml" ] || {
    echo "no bench kit at $KIT (set ERRATA_BENCH_KIT)" >&2
    exit 1
}

echo "== building the baseline and a release Errata"
if [ -z "${BASELINE_BIN:-}" ]; then
    CARGO_TARGET_DIR="$BASELINE_TARGET" cargo build --quiet --release \
        --manifest-path "$KIT/baseline/Cargo.toml"
    BASELINE_BIN="$BASELINE_TARGET/release/perf-baseline"
fi
if [ -z "${ERRATA_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --release --bin errata)
    ERRATA_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/errata"
fi

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

cd "$WORK"
ARTICLE_URL="https://news.example.com/2026/12/harborview-water-plant"
# The article (~3,000 words) and the passages the notes and the reports quote, from the kit.
python3 - "$KIT/peer/input.json" "$ARTICLE_URL" "$WORK" <<'PY'
import json, sys
kit, url, work = sys.argv[1], sys.argv[2], sys.argv[3]
paragraphs = json.load(open(kit))["original"].split("\n\n")
kept, words = [], 0
for p in paragraphs:
    if words >= 3000:
        break
    kept.append(p)
    words += len(p.split())
text = "\n\n".join(kept)
first_sentence = lambda p: p.split(". ")[0]
json.dump({"url": url, "title": "Water plant expansion defended", "body_text": text},
          open(f"{work}/article.json", "w"))
notes = []
for i, p in enumerate([kept[3], kept[len(kept) // 2], kept[-2]]):
    notes.append({"kind": "correction", "wrong": f"figure {i}", "right": f"corrected figure {i}",
                  "body_markdown": f"An earlier version misstated figure {i}. It is **corrected**.",
                  "passage": {"exact": first_sentence(p)}})
json.dump(notes, open(f"{work}/notes.json", "w"))
open(f"{work}/passage.txt", "w").write(first_sentence(kept[len(kept) * 2 // 3]))
print(f"article: {words} words")
PY

wait_for() {
    for _ in $(seq 1 300); do
        curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "the server on port $1 did not start" >&2
    exit 1
}

# Starts an Errata (binary $1) on port $2 with a database of its own in $WORK/$3 (or the empty
# database at the URL $4), registers the article and publishes the notes; sets STARTED_PID.
start_errata() {
    local bin="$1" port="$2" dir="$WORK/$3" token id
    local database="${4:-$WORK/$3/errata.db}"
    mkdir -p "$dir"
    local env=(ROCKET_DATABASE_URL="$database" ROCKET_DEMO=false ROCKET_MAIL_DIR="$dir/mail"
        ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT="$port" ROCKET_LOG_LEVEL=off
        ROCKET_REPORT_RATE_LIMIT=0 ROCKET_PUBLIC_URL="http://127.0.0.1:$port" ROCKET_CLI_COLORS=false)
    (cd "$dir" && env "${env[@]}" "$bin" user add --email bench@newsroom.test --name Bench \
        --role editor >/dev/null)
    token="$(cd "$dir" && env "${env[@]}" "$bin" token add --user bench@newsroom.test --name bench |
        grep '^errata_')"
    (cd "$dir" && exec env "${env[@]}" "$bin" serve >"$dir/server.log" 2>&1) &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    wait_for "$port"
    id="$(curl -fs -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data @"$WORK/article.json" "http://127.0.0.1:$port/api/v1/articles" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
    python3 -c 'import json,sys; [print(json.dumps(n)) for n in json.load(open(sys.argv[1]))]' \
        "$WORK/notes.json" | while read -r note; do
        curl -fs -o /dev/null -X POST -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' --data "$note" \
            "http://127.0.0.1:$port/api/v1/articles/$id/corrections"
    done
}

echo "== starting the servers"
start_errata "$ERRATA_BIN" "$ERRATA_PORT" errata "${ERRATA_DATABASE_URL:-}"
ERRATA_PID=$STARTED_PID
SIDES=(errata)
if [ -n "${BEFORE_BIN:-}" ]; then
    start_errata "$BEFORE_BIN" "$BEFORE_PORT" before
    BEFORE_PID=$STARTED_PID
    SIDES+=(before)
fi
(exec env ROCKET_PORT="$BASE_PORT" ROCKET_LOG_LEVEL=off "$BASELINE_BIN" >/dev/null 2>&1) &
BASE_PID=$!
PIDS+=("$BASE_PID")
SIDES+=(base)
wait_for "$BASE_PORT"

GET_PATH="/api/v1/corrections?url=$ARTICLE_URL"
etag_of() {
    curl -fsI "http://127.0.0.1:$1$GET_PATH" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'
}
declare -A PORT=([errata]=$ERRATA_PORT [before]=$BEFORE_PORT [base]=$BASE_PORT) ETAG
declare -A PID=([errata]=$ERRATA_PID [before]=${BEFORE_PID:-} [base]=$BASE_PID)
for side in "${SIDES[@]}"; do
    ETAG[$side]="$(etag_of "${PORT[$side]}")" || { echo "no corrections answer on the $side side" >&2; exit 1; }
done
echo "corrections answer: $(curl -fs "http://127.0.0.1:$ERRATA_PORT$GET_PATH" | wc -c) bytes (Errata)," \
    "$(curl -fs "http://127.0.0.1:$BASE_PORT$GET_PATH" | wc -c) bytes (baseline)"

# Each filing is a new report (a sender's repeat of moments ago would be answered from the first,
# so every wrk run gets an id of its own in the descriptions).
PASSAGE="$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read(), ensure_ascii=False))' "$WORK/passage.txt")"
cat >"$WORK/report.lua" <<LUA
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  run = args[1] or "0"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  local body = '{"article_url":"$ARTICLE_URL","passage":{"exact":' .. [==[$PASSAGE]==] ..
    '},"category":"factual_error","description":"Report ' .. run .. '-' .. tid .. '-' .. counter ..
    ': the figure does not match the study.","reporter":{"name":"Ada Reader",' ..
    '"email":"ada@reader.example","notify":true}}'
  return wrk.format(nil, nil, nil, body)
end
LUA

# One wrk run: prints "req/s p99_ms errors".
# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

load() {
    local port="$1" kind="$2" etag="$3" pid="$4" out before after
    before="$(cpu_ticks "$pid")"
    case "$kind" in
    get) out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port$GET_PATH")" ;;
    304) out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "If-None-Match: $etag" \
        "http://127.0.0.1:$port$GET_PATH")" ;;
    post) out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/report.lua" \
        "http://127.0.0.1:$port/api/v1/reports" -- "$port-$RANDOM$RANDOM")" ;;
    esac
    after="$(cpu_ticks "$pid")"
    echo "$out" >>"$WORK/wrk.log"
    # The last field: the server's CPU time per request, in microseconds (machine-independent
    # enough to compare two sides even when something else runs at the same time).
    echo "$out" | awk -v ticks="$((after - before))" -v hz="$(getconf CLK_TCK)" '
        / requests in / { n = $1 }
        /Requests\/sec/ { rps = $2 }
        $1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); p = v / 1000 }
                      else if (v ~ /ms$/) { sub(/ms/, "", v); p = v }
                      else if (v ~ /s$/) { sub(/s/, "", v); p = v * 1000 } }
        /Non-2xx or 3xx/ { err += $NF }
        /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
        END { printf "%s %.2f %d %.1f\n", rps, p, err, (n > 0 ? ticks / hz * 1e6 / n : 0) }'
}

mem() {
    awk '/^VmHWM|^VmRSS|^Threads/ { printf "%s %s ", $1, $2 } END { print "" }' "/proc/$1/status"
}

declare -A RESULTS
for round in $(seq 1 "$ROUNDS"); do
    for kind in $KINDS; do
        for side in "${SIDES[@]}"; do
            perf_pid=""
            if [ -n "${PERF_OUT:-}" ] && [ "$side" = errata ] && [ "$round" = 1 ]; then
                perf record -q -F 999 --call-graph dwarf -p "$ERRATA_PID" -o "$PERF_OUT.$kind.data" \
                    -- sleep "${DURATION%s}" >/dev/null 2>&1 &
                perf_pid=$!
            fi
            r="$(load "${PORT[$side]}" "$kind" "${ETAG[$side]}" "${PID[$side]}")"
            [ -z "$perf_pid" ] || wait "$perf_pid" || true
            RESULTS[$kind.$side.$round]="$r"
            echo "round $round $kind $side: $r"
        done
    done
done
ERRATA_MEM="$(mem "$ERRATA_PID")"
BASE_MEM="$(mem "$BASE_PID")"
BEFORE_MEM="$([ -n "${BEFORE_PID:-}" ] && mem "$BEFORE_PID" || true)"
if [ -n "${ERRATA_DATABASE_URL:-}" ]; then
    REPORTS="$(psql -At "$ERRATA_DATABASE_URL" -c 'SELECT COUNT(*) FROM reports')"
else
    REPORTS="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from reports").fetchone()[0])' "$WORK/errata/errata.db")"
fi
WAL="$(stat -c %s "$WORK/errata/errata.db-wal" 2>/dev/null || echo 0)"

echo
echo "== medians of $ROUNDS rounds (wrk -t$THREADS -c$CONNECTIONS -d$DURATION); ratios per round, then their median"
python3 - "$ERRATA_MEM" "$BASE_MEM" "$BEFORE_MEM" "$REPORTS" "$WAL" <<PY
import statistics, sys
raw = """$(for k in "${!RESULTS[@]}"; do echo "$k ${RESULTS[$k]}"; done)"""
res = {}
for line in raw.strip().splitlines():
    key, rps, p99, err, cpu = line.split()
    kind, side, rnd = key.split(".")
    res.setdefault((kind, side), {})[int(rnd)] = (float(rps), float(p99), int(err), float(cpu))
names = {"get": "GET /api/v1/corrections?url= (200)", "304": "the same, 304 on If-None-Match",
         "post": "POST /api/v1/reports (3,000 words, notify: true)"}
before = any(side == "before" for _, side in res)
med = lambda xs: statistics.median(xs)
def ratio(kind, a, b):
    ra, rb = res[(kind, a)], res[(kind, b)]
    return med([ra[r][0] / rb[r][0] for r in ra])
head = ("| path | Errata req/s | p99 ms | errors | bare Rocket req/s | ratio |"
        " CPU µs/request, Errata / bare Rocket |")
if before:
    head += " before req/s | before p99 ms | after/before |"
print(head)
print("|---" * (head.count("|") - 1) + "|")
for kind in [k for k in ["get", "304", "post"] if (k, "errata") in res]:
    e, b = res[(kind, "errata")], res[(kind, "base")]
    row = (f"| {names[kind]} | {med([x[0] for x in e.values()]):,.0f} | "
           f"{med([x[1] for x in e.values()]):.1f} | {sum(x[2] for x in e.values())} | "
           f"{med([x[0] for x in b.values()]):,.0f} | {ratio(kind, 'errata', 'base'):.3f} |"
           f" {med([x[3] for x in e.values()]):.0f} / {med([x[3] for x in b.values()]):.0f} |")
    if before:
        o = res[(kind, "before")]
        row += (f" {med([x[0] for x in o.values()]):,.0f} | {med([x[1] for x in o.values()]):.1f} |"
                f" {ratio(kind, 'errata', 'before'):.2f} |")
    print(row)
def status(s):
    f = s.split()
    return {f[i].rstrip(":"): int(f[i + 1]) for i in range(0, len(f), 2)}
def mem(label, s, base):
    m = status(s)
    return (f"{label}: VmHWM {m['VmHWM']/1024:.1f} MiB, VmRSS {m['VmRSS']/1024:.1f} MiB, "
            f"{m['Threads']} threads" + (f" (ratio to bare Rocket: VmHWM {m['VmHWM']/base['VmHWM']:.2f},"
            f" VmRSS {m['VmRSS']/base['VmRSS']:.2f})" if base else ""))
bm = status(sys.argv[2])
print()
print("memory after the intake load:")
print("  " + mem("Errata", sys.argv[1], bm))
if sys.argv[3].strip():
    print("  " + mem("before", sys.argv[3], bm))
print("  " + mem("bare Rocket", sys.argv[2], None))
print(f"reports in Errata's database after the run: {sys.argv[4]}; its WAL file: {int(sys.argv[5]) / 1048576:.1f} MiB")
PY
