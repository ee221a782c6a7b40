#!/usr/bin/python3
"""make_corpus.py — (re)builds the fuzz seed corpora under tests/fuzz/corpus/<target>/ from
the repository's test data and from what the integration tests send healer (recorded by
record_plugin.py), minimised per target with libFuzzer's -merge=1.

  /usr/bin/python3 tests/fuzz/make_corpus.py [--no-record] [--fresh] [TARGET…]

Run from the repository root after `make fuzz-build`. --no-record skips the integration run
(minutes) and uses only tests/data and the runbooks; --fresh empties each corpus first
(otherwise seeds only add what the corpus does not cover yet)."""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from record_plugin import INGEST_TOKEN, raw_http, save  # noqa: E402

SEEDS = "build/fuzz-seeds"
RECORD_TESTS = ["test_sources.py", "test_sns.py", "test_slack.py", "test_teams.py",
                "test_analysis.py", "test_http_errors.py", "test_console.py", "test_grouping.py"]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def alert_request(path, body):
    return raw_http("POST", path, body, {"Authorization": "Bearer " + INGEST_TOKEN,
                                         "Content-Type": "application/json"})


def file_seeds():
    for p in sorted(glob.glob("tests/data/alerts/*.json")):
        body = read(p)
        save("ingest", body)
        name = os.path.basename(p)
        route = ("/alerts/alertmanager" if name.startswith("alertmanager") else
                 "/alerts/eventbridge" if name.startswith("eventbridge") else
                 "/alerts/generic" if name.startswith("generic") else None)
        if route:
            save("http", alert_request(route, body))
    for p in sorted(glob.glob("tests/data/sns/*.json")):
        body = read(p)
        if p.endswith("jwk.json"):
            save("teams_jwt", body)
            continue
        save("sns", body)
        save("http", raw_http("POST", "/alerts/sns", body, {
            "x-amz-sns-message-type": json.loads(body).get("Type", "Notification"),
            "Content-Type": "text/plain; charset=UTF-8"}))
        msg = json.loads(body).get("Message")
        if isinstance(msg, str) and msg.startswith("{"):
            save("ingest", msg)
    for head in ["GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                 "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                 "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
                 "DELETE /alerts/generic HTTP/1.1\r\nHost: x\r\n\r\n",
                 "POST /alerts/generic HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "2\r\n{}\r\n0\r\n\r\n",
                 "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                 "GET /healthz HTTP/1.0\r\n\r\n"]:
        save("http", head)
    tokens = json.loads(read("tests/data/teams/tokens.json"))
    for t in tokens.get("tokens", {}).values():
        if isinstance(t, str):
            save("teams_jwt", t)
    save("teams_jwt", read("tests/data/teams/jwks.json"))
    save("teams_jwt", read("tests/data/sns/jwt_rs256.txt").strip())
    for p in sorted(glob.glob("runbooks/*.yaml") + glob.glob("tests/data/runbooks/*/*")):
        if os.path.basename(p) == "policy.yaml":
            save("policy", read(p))
            continue
        text = read(p)
        save("runbook", text)
        for line in text.decode("utf-8", "replace").splitlines():
            if "{{" in line:
                save("template", line.split(":", 1)[-1].strip().strip("[]"))
    for p in sorted(glob.glob("tests/data/policy/*.yaml")):
        save("policy", read(p))
    if os.path.exists(".env.example"):
        save("dotenv", read(".env.example"))
    save("dotenv", "export A=1\nB = \"quoted # not a comment\" trailing\nC='x'\nD=v # c\n#x\nbad\n")
    for line in ["list", "list all", "show INC-1", "approve 1", "reject INC-1 \"too risky\" now",
                 "dryrun inc-2", "ack 3", "declare sev2 Checkout is slow service=api",
                 "run restart-service service=api", "stats 24h", "runbooks", "autopilot off",
                 "help", "close INC-1", "/incident show 1"]:
        save("command", line)
    for secret, line in [("xoxb-secret-token", "calling with xoxb-secret-token and more"),
                         ("abcdefghij", "abcabcdefghijdefghij"),
                         ("REDACTED", "a [REDACTED] b REDACTED")]:
        save("log", secret + "\n" + line)
    for seed in ["127.0.0.2, 10.0.0.0/8 2001:db8::/32\n127.0.0.2\n1.2.3.4, 203.0.113.1, 10.1.1.1\n",
                 "127.0.0.2\n127.0.0.2\n-\nfor=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https",
                 "::1 ::ffff:0:0/96\n::1\n[2001:db9::1]:443,::ffff:203.0.113.9\n",
                 "10.0.0.0/8\n10.0.0.5\n10.9.9.9, 10.2.2.2\nfor=_hidden;x=\"a,b\""]:
        save("client", seed)
    for content in [{"summary": "disk full", "root_cause": "logs", "runbook": "restart-service",
                     "params": {"service": "api"}, "confidence": 0.8},
                    {"summary": "s", "root_cause": "r", "runbook": None, "params": {},
                     "confidence": 0.1}]:
        save("llm", json.dumps({"choices": [{"message": {"content": json.dumps(content)}}],
                                "usage": {"prompt_tokens": 10, "completion_tokens": 5}}))


def record():
    env = dict(os.environ, FUZZ_RECORD_DIR=os.path.abspath(SEEDS),
               PYTHONPATH=os.path.abspath("tests/fuzz") + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    tests = [os.path.join("tests/integration", t) for t in RECORD_TESTS]
    subprocess.call(["/usr/bin/python3", "-m", "pytest", "-q", "-x", "-p", "record_plugin"] +
                    tests, env=env)


def merge(target, fresh):
    corpus = os.path.join("tests/fuzz/corpus", target)
    seeds = os.path.join(SEEDS, target)
    if not os.path.isdir(seeds):
        return
    if fresh and os.path.isdir(corpus):
        shutil.rmtree(corpus)
    os.makedirs(corpus, exist_ok=True)
    subprocess.call(["build/fuzz/fuzz_" + target, "-merge=1", "-timeout=10",
                     "-rss_limit_mb=2048", corpus, seeds],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print("%-16s %4d seeds -> %4d in %s" % (target, len(os.listdir(seeds)),
                                            len(os.listdir(corpus)), corpus))


def main():
    args = sys.argv[1:]
    fresh = "--fresh" in args
    targets = [a for a in args if not a.startswith("--")] or sorted(
        os.path.basename(p)[len("fuzz_"):-2] for p in glob.glob("tests/fuzz/fuzz_*.c"))
    shutil.rmtree(SEEDS, ignore_errors=True)
    os.makedirs(SEEDS)
    file_seeds()
    if "--no-record" not in args:
        record()
    for t in targets:
        merge(t, fresh)


if __name__ == "__main__":
    main()
