#!/usr/bin/env python3
"""Load test for a release build of Errata, on loopback only.

Starts `errata` on a fresh database with the demo data (in a temporary folder), then measures:
  * readers filing reports (POST /api/v1/reports) from N concurrent clients;
  * the embed's read of an article's corrections (GET /api/v1/corrections), full answers and 304s.
Every loop is bounded by a request count and a time limit; the server is stopped at the end.

    cargo build --release && python3 benches/load_test.py [--binary PATH] [--clients 8] [--requests 2000]
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    k = min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))
    return values[k]


def run_phase(name, port, clients, total, deadline_s, make_request):
    """Sends `total` requests from `clients` threads, each on its own keep-alive connection."""
    per_client = total // clients
    stop_at = time.monotonic() + deadline_s

    def worker(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, statuses = [], {}
        for i in range(per_client):
            if time.monotonic() > stop_at:
                break
            method, path, body, headers = make_request(index, i)
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()
        return latencies, statuses

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(worker, range(clients)))
    elapsed = time.perf_counter() - t0
    latencies = [l for r in results for l in r[0]]
    statuses = {}
    for _, s in results:
        for k, v in s.items():
            statuses[k] = statuses.get(k, 0) + v
    print(
        f"{name}: {len(latencies)} requests in {elapsed:.2f}s = {len(latencies) / elapsed:.0f} req/s; "
        f"latency p50 {percentile(latencies, 50):.2f} ms, p99 {percentile(latencies, 99):.2f} ms; statuses {statuses}"
    )
    return statuses


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "..", "target"))
    parser.add_argument("--binary", default=os.path.join(target, "release", "errata"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit of each phase")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"no binary at {args.binary}: run `cargo build --release` first")

    port = free_port()
    workdir = tempfile.mkdtemp(prefix="errata-load-")
    env = dict(
        os.environ,
        ROCKET_PORT=str(port),
        ROCKET_ADDRESS="127.0.0.1",
        ROCKET_DATABASE_URL=os.path.join(workdir, "load.db"),
        ROCKET_MAIL_DIR=os.path.join(workdir, "mail"),
        ROCKET_PUBLIC_URL=f"http://127.0.0.1:{port}",
        ROCKET_DEMO="true",
        ROCKET_REPORT_RATE_LIMIT="0",
        ROCKET_LOG_LEVEL="off",
    )
    server = subprocess.Popen([args.binary, "serve"], cwd=workdir, env=env, stdout=subprocess.PIPE, text=True)
    try:
        output = ""
        deadline = time.monotonic() + 30
        while "Demo article:" not in output and time.monotonic() < deadline:
            output += server.stdout.readline()
        article = re.search(r"Demo article: (\S+)", output).group(1)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)

        quote = "about 9,200 passengers on an average weekday"

        def file_report(client, i):
            body = json.dumps({
                "article_url": article,
                "passage": {"exact": quote},
                "category": "factual_error",
                "description": f"Load test report {client}-{i}: the figure looks wrong.",
                "reporter": {"email": f"reader{client}-{i}@example.org", "notify": True},
            })
            return "POST", "/api/v1/reports", body, {"Content-Type": "application/json"}

        path = "/api/v1/corrections?url=" + urllib.parse.quote(article, safe="")
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", path)
        first = conn.getresponse()
        first.read()
        etag = first.getheader("ETag")

        def read_corrections(_client, _i):
            return "GET", path, None, {}

        def revalidate(_client, _i):
            return "GET", path, None, {"If-None-Match": etag}

        print(f"errata load test: {args.clients} clients, binary {args.binary}")
        filed = run_phase("file reports", port, args.clients, args.requests, args.seconds, file_report)
        run_phase("read corrections (200)", port, args.clients, args.requests * 5, args.seconds, read_corrections)
        run_phase("revalidate corrections (304)", port, args.clients, args.requests * 5, args.seconds, revalidate)
        print(f"server RSS after the run: {rss_kib(server.pid) / 1024:.1f} MiB")
        bad = {k: v for k, v in filed.items() if k != 201}
        if bad:
            sys.exit(f"some reports were not accepted: {bad}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
