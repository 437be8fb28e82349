#!/usr/bin/env python3
"""A write flood against a meeting whose screens stop reading: peak memory stays flat.

    python3 bench/flood.py [debrief binary] [streams] [writes]   (default release, 300, 3000)

Starts `debrief serve` on a copy of sample-incident/ (with a 5 s stall timeout), opens
`streams` facilitator event streams that never read, then sends `writes` changes as the
facilitator as fast as one client can: factors until the cap refuses them, then timeline
entries. It reports the server's peak RSS (VmHWM) before and after, how many answers were
refused by a cap (409), and how many of the silent streams the server still holds at the end.
"""
import http.client, json, os, shutil, socket, subprocess, sys, tempfile, time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/debrief"
streams = int(sys.argv[2]) if len(sys.argv) > 2 else 300
writes = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
KEY = "flood-facilitator-key-0001"

work = tempfile.mkdtemp()
incident = os.path.join(work, "incident")
shutil.copytree("sample-incident", incident, ignore=shutil.ignore_patterns(".debrief"))
server = subprocess.Popen(
    [binary, "serve", incident, "--port", "0", "--facilitator-key", KEY, "--stall-timeout", "5"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
addr = None
for line in server.stdout:
    if "Facilitator" in line:
        addr = line.split("http://")[1].split("/")[0]
        break
host, port = addr.split(":")

def hwm():
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    return 0.0

silent = []
for _ in range(streams):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, int(port)))
    s.sendall(f"GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\r\n".encode())
    silent.append(s)
time.sleep(1)
before = hwm()
conn = http.client.HTTPConnection(host, int(port))
statuses = {}
factors_full = False
started = time.time()
for n in range(writes):
    if not factors_full:
        path, body = "/api/factors", {"text": f"Flood factor {n} " + "x" * 300}
    else:
        path, body = "/api/timeline", {"at": "2026-11-03T14:20", "text": f"Flood entry {n} " + "x" * 300}
    conn.request("POST", path, json.dumps(body), {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "Host": addr})
    r = conn.getresponse(); r.read()
    statuses[r.status] = statuses.get(r.status, 0) + 1
    if r.status == 409:
        factors_full = True
elapsed = time.time() - started
time.sleep(8)  # past the stall timeout
after = hwm()
held = subprocess.run(["ss", "-tnH", "state", "established", f"sport = :{port}"], capture_output=True, text=True).stdout.count("\n")
print(f"{streams} silent streams, {writes} writes in {elapsed:.1f} s: answers {dict(sorted(statuses.items()))}")
print(f"peak RSS: {before:.1f} MB before the flood, {after:.1f} MB after")
print(f"connections the server still holds: {held} (of {streams} silent streams and 1 writer)")
server.terminate(); server.wait(timeout=10)
shutil.rmtree(work)
