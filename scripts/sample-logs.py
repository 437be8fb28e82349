#!/usr/bin/env python3
"""Writes the raw evidence of sample-incident/ (deterministic; run from the repo root).

The story: checkout-api v4.2.0 holds a pooled database connection across the new fraud-check
HTTP call. At the afternoon peak the pools saturate, the autoscaler adds pods whose pools push
PostgreSQL past max_connections, and checkout returns 500s until the rollback at 14:31 CET.
All times are 2026-11-03; the logs are in UTC except nginx (local +01:00) and the chat (epoch).
"""
import json
import random
from datetime import datetime, timedelta, timezone

rng = random.Random(20261103)
UTC = timezone.utc
T0 = datetime(2026, 11, 3, 12, 50, 0, tzinfo=UTC)   # 13:50 CET
DEPLOY = datetime(2026, 11, 3, 12, 55, 0, tzinfo=UTC)
ERRORS = datetime(2026, 11, 3, 13, 2, 0, tzinfo=UTC)
PAGE = datetime(2026, 11, 3, 13, 9, 0, tzinfo=UTC)
ROLLBACK = datetime(2026, 11, 3, 13, 31, 0, tzinfo=UTC)
MITIGATED = datetime(2026, 11, 3, 13, 40, 0, tzinfo=UTC)
END = datetime(2026, 11, 3, 13, 55, 0, tzinfo=UTC)
OUT = "sample-incident/logs/"


def iso_ms(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def error_rate(t):
    """Share of checkouts failing at t."""
    if t < ERRORS:
        return 0.002
    if t < ROLLBACK:
        ramp = min(1.0, (t - ERRORS).total_seconds() / 600)
        return 0.03 + 0.12 * ramp
    if t < MITIGATED:
        return 0.15 * max(0.0, 1 - (t - ROLLBACK).total_seconds() / 540)
    return 0.003


PODS = [f"checkout-api-7d9f{c}-{s}" for c, s in zip("abcdef", ["x2k4p", "m8q1z", "t5v7r", "c3n9w", "h6j2d", "p4s8f"])]
NEW_PODS = ["checkout-api-8c21a-k7w3q", "checkout-api-8c21a-r2d5m", "checkout-api-8c21a-z9x4b"]
ROUTES = [("POST", "/api/checkout"), ("GET", "/api/cart"), ("POST", "/api/cart/items"), ("GET", "/api/shipping/quote")]


def app_log():
    lines = []
    t = T0
    while t < END:
        t += timedelta(milliseconds=rng.randint(2500, 5200))
        pods = PODS + (NEW_PODS if t > ERRORS + timedelta(minutes=6) and t < MITIGATED else [])
        pod = rng.choice(pods)
        method, route = rng.choice(ROUTES)
        trace = f"{rng.getrandbits(64):016x}"
        version = "4.2.0" if DEPLOY + timedelta(minutes=4) < t < ROLLBACK + timedelta(minutes=6) else "4.1.3"
        failing = route == "/api/checkout" and rng.random() < error_rate(t) * 4
        if failing:
            waited = 5000
            entry = {"ts": iso_ms(t), "level": "error", "msg": "timeout acquiring connection from pool",
                     "pool": "primary", "pool_active": 40, "pool_idle": 0, "pool_waiting": rng.randint(12, 95),
                     "waited_ms": waited, "pod": pod, "route": route, "trace_id": trace, "version": version}
        elif route == "/api/checkout" and version == "4.2.0" and rng.random() < 0.3:
            entry = {"ts": iso_ms(t), "level": "warn", "msg": "fraud-check slow, holding db connection",
                     "fraud_ms": rng.randint(900, 2400), "pod": pod, "route": route, "trace_id": trace, "version": version}
        else:
            entry = {"ts": iso_ms(t), "level": "info", "msg": "request completed", "method": method,
                     "route": route, "status": 200, "duration_ms": rng.randint(18, 240) if t < ERRORS else rng.randint(60, 1900),
                     "pod": pod, "trace_id": trace, "version": version}
        lines.append(json.dumps(entry, separators=(",", ":")))
    # Pod lifecycle lines from the autoscaler's new pods.
    for i, pod in enumerate(NEW_PODS):
        at = ERRORS + timedelta(minutes=6, seconds=20 * i)
        lines.append(json.dumps({"ts": iso_ms(at), "level": "info", "msg": "pool started", "pool": "primary",
                                 "pool_max": 40, "pod": pod, "version": "4.2.0"}, separators=(",", ":")))
    lines.sort(key=lambda l: json.loads(l)["ts"])
    return lines


AGENTS = ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15",
          "okhttp/4.12.0"]


def nginx_log():
    lines = []
    t = T0
    cet = timezone(timedelta(hours=1))
    while t < END:
        t += timedelta(milliseconds=rng.randint(3000, 6400))
        method, route = rng.choice(ROUTES)
        status = 500 if route == "/api/checkout" and rng.random() < error_rate(t) * 4 else 200
        size = 187 if status == 500 else rng.randint(320, 4800)
        ip = f"203.0.113.{rng.randint(2, 254)}"
        stamp = t.astimezone(cet).strftime("%d/%b/%Y:%H:%M:%S %z")
        rt = 5.004 if status == 500 else rng.randint(20, 400) / 1000
        lines.append(f'{ip} - - [{stamp}] "{method} {route} HTTP/1.1" {status} {size} '
                     f'"https://shop.example/checkout" "{rng.choice(AGENTS)}" rt={rt:.3f}')
    return lines


def postgres_log():
    lines = []
    t = T0
    pid = 48211
    while t < END:
        t += timedelta(milliseconds=rng.randint(6000, 16000))
        pid += rng.randint(1, 40)
        stamp = t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d} UTC"
        if ERRORS + timedelta(minutes=5) < t < MITIGATED and rng.random() < 0.55:
            lines.append(f"{stamp} [{pid}] FATAL:  sorry, too many clients already")
        elif ERRORS < t < ROLLBACK + timedelta(minutes=5) and rng.random() < 0.4:
            lines.append(f"{stamp} [{pid}] LOG:  duration: {rng.randint(1200, 4800)}.{rng.randint(100, 999)} ms  "
                         f"statement: SELECT id, sku, qty FROM cart_items WHERE cart_id = $1 FOR UPDATE")
        else:
            lines.append(f"{stamp} [{pid}] LOG:  connection authorized: user=checkout database=shop application_name=checkout-api")
        if ERRORS < t < ROLLBACK and rng.random() < 0.15:
            lines.append(f"{stamp} [{pid}] LOG:  process {pid} still waiting for ShareLock on transaction "
                         f"{rng.randint(8_000_000, 9_000_000)} after 1000.041 ms")
            lines.append(f"{stamp} [{pid}] DETAIL:  Process holding the lock: {pid - rng.randint(1, 30)}. Wait queue: {pid}.")
    at = datetime(2026, 11, 3, 13, 24, 40, tzinfo=UTC)
    lines.append(at.strftime("%Y-%m-%d %H:%M:%S.") + "112 UTC [48002] LOG:  parameter \"idle_in_transaction_session_timeout\" changed to \"30s\"")
    lines.append(at.strftime("%Y-%m-%d %H:%M:%S.") + "113 UTC [48002] LOG:  received SIGHUP, reloading configuration files")
    lines.sort(key=lambda l: l[:27])  # stable: a DETAIL line stays after its LOG line
    return lines


def deploy_log():
    lines = []

    def log(t, level, msg, **kv):
        fields = " ".join(f'{k}={json.dumps(v) if " " in str(v) else v}' for k, v in kv.items())
        lines.append(f'time={t.strftime("%Y-%m-%dT%H:%M:%SZ")} level={level} msg="{msg}" {fields}'.rstrip())

    t = DEPLOY - timedelta(minutes=3)
    log(t, "info", "pipeline started", app="checkout-api", version="v4.2.0", pipeline=8812, trigger="merge", commit="3f9a2c1")
    for step, dur in [("build", 70), ("unit-tests", 48), ("image-push", 21)]:
        log(t, "info", "step started", step=step, pipeline=8812)
        t += timedelta(seconds=dur)
        log(t, "info", "step finished", step=step, pipeline=8812, duration=f"{dur}s")
    t = DEPLOY
    log(t, "info", "rollout started", app="checkout-api", version="v4.2.0", strategy="rolling", max_surge=1)
    for i in range(1, 7):
        t += timedelta(seconds=38 + rng.randint(0, 12))
        log(t, "info", "replica ready", app="checkout-api", version="v4.2.0", ready=f"{i}/6")
    log(t, "info", "rollout finished", app="checkout-api", version="v4.2.0", duration="4m41s")
    for i, pod in enumerate(NEW_PODS):
        log(ERRORS + timedelta(minutes=6, seconds=20 * i), "info", "hpa scaled up", app="checkout-api",
            replicas=f"{7 + i}", reason="cpu above target", pod=pod)
    t = datetime(2026, 11, 3, 13, 21, 0, tzinfo=UTC)
    log(t, "info", "rollback requested", app="checkout-api", to="v4.1.3", by="oncall-primary", path="standard")
    log(t + timedelta(seconds=4), "info", "canary stage started", app="checkout-api", version="v4.1.3", hold="15m")
    t = ROLLBACK
    log(t - timedelta(seconds=30), "warn", "canary stage cancelled", app="checkout-api", by="oncall-primary", reason="emergency rollback")
    log(t, "info", "rollback started", app="checkout-api", to="v4.1.3", path="emergency", skip_canary="true")
    for i in range(1, 10):
        t += timedelta(seconds=31 + rng.randint(0, 9))
        log(t, "info", "replica ready", app="checkout-api", version="v4.1.3", ready=f"{i}/9")
    log(t, "info", "rollback finished", app="checkout-api", version="v4.1.3")
    for i in range(3):
        log(MITIGATED + timedelta(minutes=5 + 2 * i), "info", "hpa scaled down", app="checkout-api", replicas=f"{8 - i}")
    return lines


USERS = {"U04SAMEX1": ("sam", "Sam Example"), "U04PRIYA2": ("priya", "Priya Raman"),
         "U04MARCO3": ("marco", "Marco Rossi"), "U04LEECH4": ("lee", "Lee Chen")}


def slack_export():
    msgs = []

    def say(t, user, text, thread=None):
        ts = f"{t.timestamp():.6f}"
        msg = {"type": "message", "user": user, "text": text, "ts": ts}
        if user == "U04PDBOT5":
            msg = {"type": "message", "subtype": "bot_message", "username": "PagerDuty", "bot_id": "B04PDBOT5", "text": text, "ts": ts}
        else:
            handle, name = USERS[user]
            msg["user_profile"] = {"real_name": name, "display_name": handle, "name": handle}
        if thread:
            msg["thread_ts"] = thread
        msgs.append(msg)
        return ts

    m = lambda h, mi, s=0: datetime(2026, 11, 3, h, mi, s, tzinfo=UTC)
    say(m(13, 9, 4), "U04PDBOT5", "Triggered: [SEV2] CheckoutErrorRate above 5% for 10m (checkout-api)")
    say(m(13, 11, 40), "U04SAMEX1", "ack. looking at checkout-api dashboards now")
    root = say(m(13, 12, 30), "U04SAMEX1", "Opening this channel for the checkout 500s. I'm IC. Error rate is ~9% on /api/checkout")
    say(m(13, 13, 5), "U04SAMEX1", "app logs: `timeout acquiring connection from pool` on all pods", thread=root)
    say(m(13, 14, 10), "U04MARCO3", "we shipped v4.2.0 at 13:55 (CET). it adds the fraud check to checkout")
    say(m(13, 15, 0), "U04SAMEX1", "paging db on-call, pool waiting counts are in the 80s")
    say(m(13, 16, 20), "U04PRIYA2", "here. postgres is at 298/300 connections, lots of FATAL too many clients")
    say(m(13, 17, 2), "U04PRIYA2", "and the HPA just added pods, each opens a pool of 40")
    say(m(13, 18, 0), "U04LEECH4", "status page updated: \"Some customers cannot complete checkout. We are investigating.\"")
    say(m(13, 19, 45), "U04MARCO3", "v4.2 opens the transaction before calling fraud-check. fraud-check p99 is 2s right now so connections sit idle in transaction")
    say(m(13, 20, 30), "U04SAMEX1", "decision: roll back to v4.1.3")
    say(m(13, 21, 5), "U04SAMEX1", "rollback requested, pipeline 8830")
    say(m(13, 22, 50), "U04SAMEX1", "hm, rollback is sitting in a 15 min canary hold")
    say(m(13, 24, 10), "U04PRIYA2", "setting idle_in_transaction_session_timeout=30s to shed the stuck sessions")
    say(m(13, 26, 0), "U04MARCO3", "is there a way to skip canary? the runbook only mentions the standard path")
    say(m(13, 28, 30), "U04SAMEX1", "found it in the pipeline docs: `emergency=true` skips canary, needs IC approval. approving")
    say(m(13, 31, 0), "U04SAMEX1", "emergency rollback started")
    say(m(13, 36, 20), "U04PRIYA2", "connections down to 190/300")
    say(m(13, 40, 5), "U04SAMEX1", "error rate under 1% on /api/checkout. mitigated.")
    say(m(13, 45, 0), "U04LEECH4", "status page: \"Checkout is working again. We are monitoring.\"")
    say(m(13, 49, 10), "U04SAMEX1", "all pods on v4.1.3, HPA back to 6. resolving. postmortem doc to follow")
    say(m(13, 50, 0), "U04MARCO3", "thanks all. reverting the fraud-check change on main so nobody redeploys it", thread=root)
    return msgs


def alertmanager():
    return {
        "version": "4", "groupKey": "{}:{alertname=\"CheckoutErrorRate\"}", "status": "firing", "receiver": "pagerduty-sev2",
        "groupLabels": {"alertname": "CheckoutErrorRate"},
        "commonLabels": {"alertname": "CheckoutErrorRate", "service": "checkout-api", "severity": "page"},
        "commonAnnotations": {"summary": "Checkout error rate above 5% for 10m"},
        "externalURL": "https://alertmanager.example", "truncatedAlerts": 0,
        "alerts": [
            {"status": "firing", "labels": {"alertname": "CheckoutErrorRate", "service": "checkout-api", "severity": "page"},
             "annotations": {"summary": "Checkout error rate above 5% for 10m", "value": "0.091"},
             "startsAt": "2026-11-03T13:09:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "https://prometheus.example/graph?g0.expr=checkout_error_ratio", "fingerprint": "c0ffee12d00d5eed"},
            {"status": "firing", "labels": {"alertname": "PostgresConnectionsHigh", "service": "postgres", "severity": "ticket"},
             "annotations": {"summary": "postgres connections above 90% of max_connections", "value": "298"},
             "startsAt": "2026-11-03T13:08:30.000Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "https://prometheus.example/graph?g0.expr=pg_stat_activity_count", "fingerprint": "5eed0fc0ffee1234"},
        ],
    }


def pagerduty():
    entries = [
        ("2026-11-03T13:09:04Z", "trigger_log_entry", "Triggered through the API: CheckoutErrorRate above 5% for 10m"),
        ("2026-11-03T13:09:05Z", "notify_log_entry", "Notified Sam Example by push notification"),
        ("2026-11-03T13:11:05Z", "notify_log_entry", "Notified Sam Example by phone call"),
        ("2026-11-03T13:11:32Z", "acknowledge_log_entry", "Acknowledged by Sam Example"),
        ("2026-11-03T13:15:12Z", "escalate_log_entry", "Escalated to Database on-call (Priya Raman) by Sam Example"),
        ("2026-11-03T13:49:20Z", "resolve_log_entry", "Resolved by Sam Example"),
    ]
    return {"log_entries": [{"id": f"R{i:03d}PDX9", "type": ty, "created_at": at, "summary": s,
                             "incident": {"id": "Q2CHK500S", "summary": "CheckoutErrorRate"}} for i, (at, ty, s) in enumerate(entries)],
            "limit": 100, "offset": 0, "more": False}


def write(name, lines):
    with open(OUT + name, "w") as f:
        f.write("\n".join(lines) + "\n")


write("checkout-api.jsonl", app_log())
write("nginx-access.log", nginx_log())
write("postgres.log", postgres_log())
write("deploy.log", deploy_log())
with open(OUT + "slack-inc-checkout-500s.json", "w") as f:
    json.dump(slack_export(), f, indent=2)
    f.write("\n")
with open(OUT + "alertmanager.json", "w") as f:
    json.dump(alertmanager(), f, indent=2)
    f.write("\n")
with open(OUT + "pagerduty.json", "w") as f:
    json.dump(pagerduty(), f, indent=2)
    f.write("\n")
