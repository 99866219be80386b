#!/usr/bin/env python3
"""The dashboard at scale: does the queue stay as fast at a million reports as at ten thousand?

For each size this fills a fresh database with `errata dev fill` and creates an editor; then it
starts a release server on each, signs in through the form, and times (several runs each, medians)
the queue's first page, a filtered page, a search, and the tab counts, the servers taking turns
request by request; then prints the ratio of the largest size to the smallest for each. Issue
13's target: at most 1.5x.

    cargo build --release
    python3 benches/dashboard_scale.py                      # 10,000 and 1,000,000 reports
    python3 benches/dashboard_scale.py --sizes 10000 100000 --runs 31
    python3 benches/dashboard_scale.py --dir /tmp/scale --keep     # then --reuse to time again

The tab counts come with every queue page, so they are timed as the queue asked for an article
that has no reports (`?article=0`): the counters and the frame, with no rows to load or draw.
Only the standard library is used.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

EMAIL = "bench-editor@bench.example"
PASSWORD = "a long benchmark password"

QUERIES = [
    ("first page", "/dashboard"),
    ("filtered page", "/dashboard?state=new&category=typo&assignee=nobody"),
    ("search", "/dashboard?state=new&q={word}"),
    ("tab counts", "/dashboard?state=new&article=0"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Installation:
    """One database file and the environment every `errata` command gets."""

    def __init__(self, binary, folder, size):
        self.binary = binary
        self.folder = folder
        self.db = os.path.join(folder, f"scale-{size}.db")
        self.port = free_port()
        self.env = dict(
            os.environ,
            ROCKET_DATABASE_URL=self.db,
            ROCKET_DEMO="false",
            ROCKET_MAIL_DIR=os.path.join(folder, "mail"),
            ROCKET_ADDRESS="127.0.0.1",
            ROCKET_PORT=str(self.port),
            ROCKET_PUBLIC_URL=f"http://127.0.0.1:{self.port}",
            ROCKET_LOG_LEVEL="critical",
            ROCKET_CLI_COLORS="false",
        )

    def run(self, args, stdin=None):
        done = subprocess.run(
            [self.binary, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.folder,
        )
        if done.returncode != 0:
            sys.exit(f"errata {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def serve(self):
        server = subprocess.Popen(
            [self.binary, "serve"],
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if server.poll() is not None:
                sys.exit("the server exited before answering")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return server
            except OSError:
                time.sleep(0.2)
        server.kill()
        sys.exit("the server did not answer /healthz")


class Editor:
    """A browser-like client: cookies kept, signed in through the form."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.base + path, timeout=120) as res:
            return res.status, res.read().decode("utf-8")

    def sign_in(self):
        _, form = self.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        if not token:
            sys.exit("no CSRF token on the sign-in page")
        body = urllib.parse.urlencode(
            {
                "email": EMAIL,
                "password": PASSWORD,
                "csrf_token": token.group(1),
                "next": "/dashboard",
            }
        ).encode()
        with self.opener.open(self.base + "/signin", data=body, timeout=60) as res:
            page = res.read().decode("utf-8")
        if "Reports by state" not in page:
            sys.exit("signing in did not reach the queue")

    def time(self, path):
        started = time.perf_counter()
        status, body = self.get(path)
        elapsed = time.perf_counter() - started
        if status != 200:
            sys.exit(f"{path} answered {status}")
        return elapsed, body


def tab_total(page):
    return sum(int(n) for n in re.findall(r">(?:New|Triaged|Investigating|Resolved) \((\d+)\)<", page))


def prepare(binary, folder, size, reuse):
    """A database of `size` reports (filled now, or the one from an earlier `--keep` run) with
    the benchmark's editor in it."""
    inst = Installation(binary, folder, size)
    if os.path.exists(inst.db) and reuse:
        print(f"{size:,} reports: reusing {inst.db}")
        inst.run(["user", "password", "--email", EMAIL, "--password-stdin"], stdin=PASSWORD + "\n")
        return inst
    for leftover in (inst.db, inst.db + "-wal", inst.db + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    inst.run(["migrate"])
    started = time.perf_counter()
    out = inst.run(["dev", "fill", "--reports", str(size), "--articles", str(max(50, size // 200))])
    print(f"{size:,} reports: {out.strip()} (wall {time.perf_counter() - started:.1f} s)")
    inst.run(
        ["user", "add", "--email", EMAIL, "--name", "Bench Editor", "--role", "editor", "--password-stdin"],
        stdin=PASSWORD + "\n",
    )
    return inst


def measure(insts, runs, word):
    """Times every query on every size, the sizes taking turns request by request (first one,
    then the other), so that whatever else the machine is doing falls on all of them alike."""
    servers = [inst.serve() for inst in insts]
    try:
        editors = [Editor(inst.port) for inst in insts]
        for editor in editors:
            editor.sign_in()
        results = {inst_size(i): {} for i in insts}
        for name, path in QUERIES:
            path = path.format(word=urllib.parse.quote(word))
            for inst, editor in zip(insts, editors):
                _, page = editor.time(path)
                size = inst_size(inst)
                if name == "tab counts" and tab_total(page) != size:
                    sys.exit(f"the tabs count {tab_total(page)} reports, not {size}")
                if name != "tab counts" and 'class="row"' not in page:
                    sys.exit(f"{path} shows no reports at {size}")
                for _ in range(3):
                    editor.time(path)
            times = {inst_size(i): [] for i in insts}
            for run in range(runs):
                turn = list(zip(insts, editors))
                if run % 2:
                    turn.reverse()
                for inst, editor in turn:
                    times[inst_size(inst)].append(editor.time(path)[0])
            for size, t in times.items():
                results[size][name] = statistics.median(t)
                print(f"  {size:>9,} {name:<14} median {statistics.median(t) * 1000:7.2f} ms  (min {min(t) * 1000:.2f}, max {max(t) * 1000:.2f})  {path}")
        return results
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def inst_size(inst):
    return int(re.search(r"scale-(\d+)\.db$", inst.db).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=41)
    parser.add_argument("--word", default="bridge", help="the word to search for")
    parser.add_argument("--binary", default=None, help="default: target/release/errata")
    parser.add_argument("--dir", default=None, help="where the databases go (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="use the databases already in --dir")
    args = parser.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target"))
    binary = args.binary or os.path.join(target, "release", "errata")
    if not os.path.exists(binary):
        sys.exit(f"{binary} is missing: run `cargo build --release` first")
    folder = args.dir or tempfile.mkdtemp(prefix="errata-scale-")
    os.makedirs(folder, exist_ok=True)
    try:
        insts = [prepare(binary, folder, size, args.reuse) for size in sorted(args.sizes)]
        table = measure(insts, args.runs, args.word)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    small, large = min(table), max(table)
    print(f"\nmedian of {args.runs} runs; ratio {large:,} / {small:,} (target: at most 1.5)")
    worst = 0.0
    for name, _ in QUERIES:
        ratio = table[large][name] / table[small][name]
        worst = max(worst, ratio)
        verdict = "ok" if ratio <= 1.5 else "TOO SLOW"
        print(f"  {name:<14} {table[small][name] * 1000:8.2f} ms  {table[large][name] * 1000:8.2f} ms  {ratio:5.2f}x  {verdict}")
    sys.exit(0 if worst <= 1.5 else 1)


if __name__ == "__main__":
    main()
