"""The attacks of scripts/attack-test against one running server; prints figures, exits 1 on any 5xx or
a bound exceeded. Standard library only."""
import argparse
import http.client
import socket
import sqlite3
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--pid", type=int, required=True)
parser.add_argument("--site-token", required=True)
parser.add_argument("--evaluator-token", required=True)
parser.add_argument("--store", required=True)
parser.add_argument("--db", help="the SQLite store, to measure the audit table")
args = parser.parse_args()

HEADER = "respondent_id,site,arm,wave,outcome_independence\n"
failures, server_errors = [], 0
lock = threading.Lock()


def request(method, path, body=None, token=None, content_type="text/csv", timeout=120):
    global server_errors
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=timeout)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = "Bearer " + token
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status >= 500:
        with lock:
            server_errors += 1
    return response.status, data


def kilobytes(field):
    with open(f"/proc/{args.pid}/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def check(ok, message):
    print(("  ok   " if ok else "  FAIL ") + message)
    if not ok:
        failures.append(message)


# 1. Memory: a 64 MB body of bad one-cell rows.
idle = kilobytes("VmRSS")
rows = (64 << 20) // 16
body = HEADER.encode() + b"".join(b"X%07d,north\n" % i for i in range(rows))
body = body[: (64 << 20) - 1]
started = time.time()
status, data = request("POST", "/v1/submissions?instrument=budget-holder", body, args.site_token)
peak = kilobytes("VmHWM")
check(status == 422 and len(data) < 1 << 20,
      f"64 MB of bad rows: {status} in {time.time() - started:.1f} s, a {len(data) // 1024} KB answer")
check(peak - idle < 300 * 1024, f"peak memory {peak // 1024} MB, {(peak - idle) // 1024} MB over idle "
      f"{idle // 1024} MB (bound 300 MB)")

# 2. Slowloris: 1,000 half-open connections, then health from a well-behaved client.
held = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", args.port))
    s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    held.append(s)
latencies = []
for _ in range(10):
    started = time.time()
    status, _ = request("GET", "/v1/health", timeout=10)
    latencies.append(time.time() - started)
check(max(latencies) < 1.0, f"health under 1,000 half-open connections: slowest of 10 {max(latencies) * 1000:.0f} ms")
time.sleep(6)
closed = 0
for s in held[:100]:
    s.settimeout(0.2)
    try:
        closed += s.recv(1) == b""
    except (socket.timeout, ConnectionResetError):
        closed += isinstance(sys.exc_info()[1], ConnectionResetError)
for s in held:
    s.close()
check(closed == 100, f"{closed} of 100 half-open connections closed by the server after the 5 s header timeout")

# 3. Flood: 500 unauthenticated GETs of a 60,000-byte path.
def audit_bytes():
    if not args.db:
        return None
    db = sqlite3.connect(args.db)
    size = db.execute("SELECT COALESCE(SUM(LENGTH(path) + LENGTH(COALESCE(detail, ''))), 0), COUNT(*) "
                      "FROM api_requests").fetchone()
    db.close()
    return size


before = audit_bytes()
statuses = {}
started = time.time()
for index in range(500):
    status, _ = request("GET", "/v1/" + "a" * 60000 + str(index))
    statuses[status] = statuses.get(status, 0) + 1
after = audit_bytes()
grown = f", audit table grew {after[0] - before[0]} bytes in {after[1] - before[1]} rows" if before else ""
check(set(statuses) <= {414, 429}, f"500 GETs of a 60,000-byte path in {time.time() - started:.1f} s: {statuses}{grown}")
if before:
    check(after[0] - before[0] < 500 * 1024, "the audit table grows by less than 500 KB")

# 4. Duplicates: 20 copies of one new submission at once: stored exactly once.
time.sleep(61 - time.time() % 60)          # a fresh rate-limit window
submission = HEADER + "".join(f"D{i},north,,2026,1\n" for i in range(200))
answers = []
def send():
    answers.append(request("POST", "/v1/submissions?instrument=budget-holder", submission, args.site_token))
threads = [threading.Thread(target=send) for _ in range(20)]
[t.start() for t in threads]
[t.join() for t in threads]
import json
news = sorted(json.loads(data).get("new", -1) for status, data in answers if status == 200)
check(len(news) == 20 and news.count(200) == 1 and news.count(0) == 19,
      f"20 concurrent copies: {len(news)} answered 200, new counts {sorted(set(news))} (one 200, nineteen 0)")

# 5. Two files with the same new respondents in opposite order, eight pairs at once.
pair_answers = []
def pair(index, reverse):
    ids = [f"P{index}-{i}" for i in range(200)]
    if reverse:
        ids.reverse()
    text = HEADER + "".join(f"{code},north,,2026,1\n" for code in ids)
    pair_answers.append(request("POST", "/v1/submissions?instrument=budget-holder", text, args.site_token)[0])
threads = [threading.Thread(target=pair, args=(i, r)) for i in range(8) for r in (False, True)]
[t.start() for t in threads]
[t.join() for t in threads]
check(pair_answers.count(200) == 16, f"8 pairs of files in opposite order: statuses {sorted(pair_answers)}")

check(server_errors == 0, f"5xx answers in all: {server_errors}")
sys.exit(1 if failures else 0)
