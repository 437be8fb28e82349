"""Runs the nightly GitHub Actions workflow of docs/actions.md as written, against a local
webhook, and checks what chat would receive.

    python3 workflow.py WORKFLOW.yml WORKDIR post|quiet [TEXT...]

The steps run in WORKDIR (the checked-out repository) in order, each with `bash -eo pipefail`
as GitHub runs them, with their `env` (secrets and vars filled in: SLACK_WEBHOOK_URL is the
local webhook). A step without `if:` runs while everything before it passed; `if: failure()`
runs once one failed. Two kinds of steps are not run, and say so: `uses:` (the checkout is
WORKDIR itself) and `cargo install` of debrief (the binary under test is on PATH).

`post` expects exactly one message whose JSON is `{"text": ...}` with every TEXT in it and at
most 4,000 characters; `quiet` expects a passing job and no message.
"""
import http.server
import json
import os
import re
import subprocess
import sys
import threading

import yaml


def serve():
    posts = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            posts.append((self.headers.get("Content-Type"), body))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, posts


def fill(value, secrets):
    return re.sub(
        r"\$\{\{\s*(?:secrets|vars)\.(\w+)\s*\}\}", lambda m: secrets.get(m.group(1), ""), str(value)
    )


def main():
    workflow, workdir, expect, texts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    server, posts = serve()
    url = "http://127.0.0.1:%d/hooks/nightly" % server.server_address[1]
    secrets = {"SLACK_WEBHOOK_URL": url, "DEBRIEF_REPO": "unused"}
    doc = yaml.safe_load(open(workflow, encoding="utf-8"))
    problems = []
    failed = False
    for job in doc["jobs"].values():
        for n, step in enumerate(job["steps"], 1):
            name = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
            if "uses" in step:
                print("   step %d (%s): the checkout is the working folder" % (n, name))
                continue
            script = step["run"]
            if script.lstrip().startswith("cargo install"):
                print("   step %d (%s): debrief is the binary under test, on PATH" % (n, name))
                continue
            condition = str(step.get("if", "success()")).strip()
            should = {"success()": not failed, "failure()": failed, "always()": True}.get(condition)
            if should is None:
                problems.append("step %d: unsupported if: %s" % (n, condition))
                continue
            if not should:
                print("   step %d (%s): skipped (if: %s)" % (n, name, condition))
                continue
            env = dict(os.environ)
            env.update({k: fill(v, secrets) for k, v in (step.get("env") or {}).items()})
            run = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
            )
            print("   step %d (%s): exit %d" % (n, name, run.returncode))
            for line in (run.stdout + run.stderr).splitlines():
                print("     | " + line)
            if run.returncode != 0:
                failed = True
    server.shutdown()

    if expect == "quiet":
        if failed:
            problems.append("the job failed")
        if posts:
            problems.append("%d messages posted to a passing job's chat" % len(posts))
    else:
        if not failed:
            problems.append("the job passed; it should have failed and posted")
        if len(posts) != 1:
            problems.append("%d messages posted, expected 1" % len(posts))
        for content_type, body in posts[:1]:
            if content_type != "application/json":
                problems.append("Content-Type %r" % content_type)
            try:
                text = json.loads(body)["text"]
            except (ValueError, KeyError, TypeError) as e:
                problems.append("the body is not {\"text\": ...}: %s: %r" % (e, body[:200]))
                continue
            print("   posted %d characters:" % len(text))
            for line in text.splitlines():
                print("     > " + line)
            if not text.strip():
                problems.append("the message is empty")
            if len(text) > 4000:
                problems.append("the message has %d characters, more than 4,000" % len(text))
            for want in texts:
                if want not in text:
                    problems.append("the message does not say %r" % want)
    for p in problems:
        print("nightly: " + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


main()
