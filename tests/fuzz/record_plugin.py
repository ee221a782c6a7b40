"""record_plugin.py — a pytest plugin that records what the integration tests send healer
(HTTP requests, Socket Mode envelopes, LLM answers, console lines) as fuzz seeds, one file
per distinct input under $FUZZ_RECORD_DIR/<target>/. make_corpus.py runs it."""
import hashlib
import http.client
import json
import os
import sys

import pytest

OUT = os.environ.get("FUZZ_RECORD_DIR", "build/fuzz-seeds")
INGEST_TOKEN = "fuzz-ingest-token"  # what tests/fuzz/box.c sets as HEALER_INGEST_TOKEN


MAX_SEED = 64 * 1024  # bigger seeds (the oversize-body tests) only slow every run down


def save(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_SEED:
        return
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def raw_http(method, path, body, headers):
    body = body or b""
    if isinstance(body, str):
        body = body.encode()
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    for k, v in headers.items():
        if k.lower() == "authorization" and path.startswith("/alerts/") and v.startswith("Bearer "):
            v = "Bearer " + INGEST_TOKEN
        if k.lower() != "content-length":
            lines.append("%s: %s" % (k, v))
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: %d" % len(body))
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def record_request(method, path, body, headers):
    headers = dict(headers or {})
    if isinstance(body, str):
        body = body.encode()
    save("http", raw_http(method, path, body, headers))
    if body and path in ("/alerts/alertmanager", "/alerts/generic", "/alerts/eventbridge"):
        save("ingest", body)
    elif body and path == "/alerts/sns":
        save("sns", body)
        try:
            msg = json.loads(body).get("Message")
            if isinstance(msg, str):
                save("ingest", msg)
        except (ValueError, AttributeError):
            pass
    elif body and path == "/api/messages":
        save("teams_activity", body)
        auth = headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            save("teams_jwt", auth[7:])


@pytest.fixture(autouse=True)
def _fuzz_record(monkeypatch):
    real = http.client.HTTPConnection.request

    def request(self, method, url, body=None, headers=None, **kw):
        if self.host in ("127.0.0.1", "localhost"):
            record_request(method, url, body, headers)
        return real(self, method, url, body=body, headers=headers or {}, **kw)

    monkeypatch.setattr(http.client.HTTPConnection, "request", request)

    for mod in list(sys.modules.values()):
        raw = getattr(mod, "raw_request", None)
        if raw is not None and getattr(raw, "__name__", "") == "raw_request":
            def wrapped(port, head, body=b"", chunks=None, timeout=10.0, _raw=raw):
                data = head.encode() + (body or b"")
                if chunks is not None:
                    data += b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
                save("http", data.replace(b"test-ingest-token-0123456789",
                                          INGEST_TOKEN.encode()))
                return _raw(port, head, body, chunks, timeout)
            monkeypatch.setattr(mod, "raw_request", wrapped)

    fs = sys.modules.get("fake_slack")
    if fs is not None:
        send = fs.FakeSlack.send

        def slack_send(self, env, conn=None):
            save("slack", json.dumps(env))
            return send(self, env, conn)
        monkeypatch.setattr(fs.FakeSlack, "send", slack_send)

    fl = sys.modules.get("fake_llm")
    if fl is not None:
        setter = fl.FakeLLM._set

        def llm_set(self, kind, arg):
            msg = {"role": "assistant", "content": None}
            if kind == "answer":
                msg["content"] = json.dumps(arg)
            elif kind == "content":
                msg["content"] = arg
            elif kind == "refuse":
                msg["refusal"] = arg
            if kind != "status":
                save("llm", json.dumps({"id": "chatcmpl-fake", "object": "chat.completion",
                                        "choices": [{"index": 0, "message": msg,
                                                     "finish_reason": "stop"}],
                                        "usage": self.usage}))
            return setter(self, kind, arg)
        monkeypatch.setattr(fl.FakeLLM, "_set", llm_set)

    cf = sys.modules.get("conftest")
    if cf is not None and hasattr(cf, "Daemon"):
        line_send = cf.Daemon.send

        def console_send(self, line):
            save("command", line)
            return line_send(self, line)
        monkeypatch.setattr(cf.Daemon, "send", console_send)
    yield
