#!/usr/bin/env python3
"""Helpers of scripts/bench: seeding, wrk output parsing and the report.

Standard library only, so the bench needs nothing beyond Debian packages.
Subcommands:
  secret                      print a random URL-safe string (48 chars)
  free-port                   print a free TCP port on 127.0.0.1
  seed URL COUNT OUT_DIR      create COUNT workstations as admin (password in
                              $WSD_ADMIN_PASSWORD), save the exact bodies of
                              item 1 and of the 100-item list to OUT_DIR,
                              print an access token
  record RESULTS NAME WRK_OUT CPU_TICKS CLK_TCK
                              parse one measured wrk run, append it to RESULTS
  report RESULTS [--meta K=V]... [--json FILE] [--compare FILE]
                              print the Markdown table (and the comparison)
"""

import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import re
import secrets
import socket
import sys
import time
import urllib.parse

STATUSES = ("online", "offline", "maintenance", "error")

# Pairs whose req/s and CPU are compared in the "vs nginx" column.
NGINX_PAIRS = {"item": "nginx-item", "list": "nginx-list", "list_gz": "nginx-list_gz"}


def fail(message):
    print(f"bench.py: {message}", file=sys.stderr)
    sys.exit(1)


def cmd_secret(_args):
    print(secrets.token_urlsafe(36))


def cmd_free_port(_args):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


class Client:
    """One keep-alive connection; reconnects once if the server closed it."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        all_headers = dict(headers or {})
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=data, headers=all_headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def login(client, password):
    status, body = client.request(
        "POST", "/api/auth/login", {"username": "admin", "password": password}
    )
    if status != 200:
        fail(f"login as admin answered {status}: {body[:200]!r}")
    return json.loads(body)["access_token"]


def workstation(number):
    return {
        "name": f"ws-{number:04d}",
        "host": f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}",
        "port": 5985,
        "status": STATUSES[number % len(STATUSES)],
        "description": f"seeded workstation {number}",
        "tags": ["gpu" if number % 2 else "cpu", f"rack-{number % 10}"],
    }


def seed_range(url, token, numbers):
    client = Client(url)
    for number in numbers:
        # The key makes a retry after a lost answer safe.
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-seed-{number}"}
        for attempt in range(5):
            status, body = client.request("POST", "/api/workstations", workstation(number), headers)
            if status == 201:
                break
            if status < 500:
                fail(f"POST workstation {number} answered {status}: {body[:200]!r}")
            time.sleep(0.1 * (attempt + 1))
        else:
            fail(f"POST workstation {number} kept failing with {status}")


def fetch_exact(client, token, path):
    status, body = client.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    if status != 200:
        fail(f"GET {path} answered {status}: {body[:200]!r}")
    return body


def cmd_seed(args):
    password = os.environ.get("WSD_ADMIN_PASSWORD")
    if not password:
        fail("WSD_ADMIN_PASSWORD is not set")
    client = Client(args.url)
    token = login(client, password)
    # A few connections overlap HTTP and JSON work with the database writes.
    workers = 4
    numbers = list(range(1, args.count + 1))
    chunks = [numbers[i::workers] for i in range(workers)]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(seed_range, args.url, token, c) for c in chunks]:
            future.result()

    listing = json.loads(fetch_exact(client, token, "/api/workstations?limit=1"))
    if listing.get("total") != args.count:
        fail(f"expected {args.count} workstations after seeding, found {listing.get('total')}")
    for number in (1, args.count):
        fetch_exact(client, token, f"/api/workstations/{number}")
    with open(os.path.join(args.out_dir, "item.json"), "wb") as f:
        f.write(fetch_exact(client, token, "/api/workstations/1"))
    with open(os.path.join(args.out_dir, "list.json"), "wb") as f:
        f.write(fetch_exact(client, token, "/api/workstations?limit=100"))
    print(token)


# wrk prints what it read in binary units.
BYTE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def to_us(text):
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not match:
        fail(f"cannot read the duration {text!r} in wrk's output")
    return float(match.group(1)) * UNITS_US[match.group(2)]


def parse_wrk(text):
    def find(pattern, required=True):
        match = re.search(pattern, text, re.MULTILINE)
        if not match and required:
            fail(f"wrk output lacks /{pattern}/:\n{text}")
        return match

    percentiles = {
        p: to_us(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", text, re.MULTILINE)
    }
    if "50" not in percentiles or "99" not in percentiles:
        fail(f"wrk output lacks the latency distribution (--latency):\n{text}")
    done = find(r"^\s+(\d+) requests in ([0-9.]+\w+), ([0-9.]+)([KMGT]?B) read")
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    socket_errors = find(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", required=False
    )
    if socket_errors:
        errors = dict(zip(errors, map(int, socket_errors.groups())))
    non_2xx = find(r"Non-2xx or 3xx responses: (\d+)", required=False)
    requests = int(done.group(1))
    bytes_read = float(done.group(3)) * BYTE_UNITS[done.group(4)]
    return {
        "requests": requests,
        "bytes_per_response": bytes_read / requests if requests else None,
        "seconds": to_us(done.group(2)) / 1e6,
        "req_per_s": float(find(r"^Requests/sec:\s+([0-9.]+)").group(1)),
        "p50_us": percentiles["50"],
        "p75_us": percentiles.get("75"),
        "p90_us": percentiles.get("90"),
        "p99_us": percentiles["99"],
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors,
        "errors": sum(errors.values()),
    }


def cmd_record(args):
    with open(args.wrk_out, encoding="utf-8", errors="replace") as f:
        text = f.read()
    result = {"scenario": args.name, **parse_wrk(text)}
    seconds = args.cpu_ticks / args.clk_tck
    result["cpu_seconds"] = seconds
    result["cpu_us_per_req"] = seconds * 1e6 / result["requests"] if result["requests"] else None
    result["wrk_output"] = text
    with open(args.results, "a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    print(
        f"{args.name}: {result['req_per_s']:.0f} req/s, p99 {fmt_ms(result['p99_us'])}, "
        f"CPU {fmt_cpu(result['cpu_us_per_req'])} µs/req",
        file=sys.stderr,
    )


def fmt_ms(us):
    return "–" if us is None else f"{us / 1000:.3f} ms"


def fmt_cpu(us):
    return "–" if us is None else f"{us:.1f}"


def fmt_bytes(value):
    return "–" if value is None else f"{value:.0f}"


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def fmt_ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def nginx_ratios(scenarios):
    ratios = {}
    for name, yardstick in NGINX_PAIRS.items():
        ours, theirs = scenarios.get(name), scenarios.get(yardstick)
        if ours and theirs:
            ratios[name] = {
                "against": yardstick,
                "req_per_s": ratio(ours["req_per_s"], theirs["req_per_s"]),
                "cpu_us_per_req": ratio(ours["cpu_us_per_req"], theirs["cpu_us_per_req"]),
                "bytes_per_response": ratio(
                    ours.get("bytes_per_response"), theirs.get("bytes_per_response")
                ),
            }
    return ratios


def print_table(scenarios, ratios):
    print("| scenario | req/s | p50 | p99 | non-2xx | errors | CPU µs/req | bytes/resp | vs nginx |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, r in scenarios.items():
        versus = ""
        if name in ratios:
            q = ratios[name]
            versus = (
                f"{fmt_ratio(q['req_per_s'])} req/s, {fmt_ratio(q['cpu_us_per_req'])} CPU, "
                f"{fmt_ratio(q['bytes_per_response'])} bytes "
                f"(vs {q['against']})"
            )
        print(
            f"| {name} | {r['req_per_s']:.0f} | {fmt_ms(r['p50_us'])} | {fmt_ms(r['p99_us'])} "
            f"| {r['non_2xx']} | {r['errors']} | {fmt_cpu(r['cpu_us_per_req'])} "
            f"| {fmt_bytes(r.get('bytes_per_response'))} | {versus} |"
        )


def print_comparison(scenarios, earlier, path):
    print()
    print(f"Compared with {path} ({earlier.get('meta', {}).get('date', 'unknown date')}):")
    print("ratio = this run / earlier run; req/s higher is better, p99 and CPU lower are better.")
    print()
    print("| scenario | req/s | ratio | p99 | ratio | CPU µs/req | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    old_scenarios = earlier.get("scenarios", {})
    for name, new in scenarios.items():
        old = old_scenarios.get(name)
        if old is None:
            print(f"| {name} | {new['req_per_s']:.0f} (new) | – | | – | | – |")
            continue
        print(
            f"| {name} | {old['req_per_s']:.0f} → {new['req_per_s']:.0f} "
            f"| {fmt_ratio(ratio(new['req_per_s'], old['req_per_s']))} "
            f"| {fmt_ms(old['p99_us'])} → {fmt_ms(new['p99_us'])} "
            f"| {fmt_ratio(ratio(new['p99_us'], old['p99_us']))} "
            f"| {fmt_cpu(old.get('cpu_us_per_req'))} → {fmt_cpu(new.get('cpu_us_per_req'))} "
            f"| {fmt_ratio(ratio(new.get('cpu_us_per_req'), old.get('cpu_us_per_req')))} |"
        )
    for name in old_scenarios.keys() - scenarios.keys():
        print(f"| {name} | (not in this run) | – | | – | | – |")


def cmd_report(args):
    scenarios = {}
    with open(args.results, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                scenarios[r["scenario"]] = r
    if not scenarios:
        fail("no scenario results to report")
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    for item in args.meta:
        key, _, value = item.partition("=")
        meta[key] = int(value) if value.isdigit() else value
    ratios = nginx_ratios(scenarios)

    earlier = None
    if args.compare:
        try:
            with open(args.compare, encoding="utf-8") as f:
                earlier = json.load(f)
        except (OSError, ValueError) as e:
            fail(f"cannot read --compare file {args.compare}: {e}")

    print_table(scenarios, ratios)
    if earlier is not None:
        print_comparison(scenarios, earlier, args.compare)
    if args.json:
        document = {"meta": meta, "scenarios": scenarios, "vs_nginx": ratios}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(f"figures written to {args.json}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("secret").set_defaults(run=cmd_secret)
    sub.add_parser("free-port").set_defaults(run=cmd_free_port)

    seed = sub.add_parser("seed")
    seed.add_argument("url")
    seed.add_argument("count", type=int)
    seed.add_argument("out_dir")
    seed.set_defaults(run=cmd_seed)

    record = sub.add_parser("record")
    record.add_argument("results")
    record.add_argument("name")
    record.add_argument("wrk_out")
    record.add_argument("cpu_ticks", type=int)
    record.add_argument("clk_tck", type=int)
    record.set_defaults(run=cmd_record)

    report = sub.add_parser("report")
    report.add_argument("results")
    report.add_argument("--meta", action="append", default=[])
    report.add_argument("--json")
    report.add_argument("--compare")
    report.set_defaults(run=cmd_report)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
