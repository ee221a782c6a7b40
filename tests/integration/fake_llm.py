"""A fake OpenAI-compatible chat-completions server (stdlib only) for the analysis tests.

Each request to POST /v1/chat/completions is recorded (headers, parsed JSON body) and
answered by the current behaviour, set with one of:

  llm.answer({...})          200 with the object as the message content (JSON text)
  llm.content("text")        200 with raw message content (e.g. broken JSON)
  llm.refuse("reason")       200 with message.refusal set
  llm.status(429, {...})     that status with an error body
  llm.delay(seconds)         wait before answering (a timeout test)
  llm.hold()                 wait until llm.release() (to look at the card meanwhile)
  llm.reject_schema()        400 to requests whose response_format is json_schema

usage is always reported (prompt_tokens 1200, completion_tokens 80 unless set)."""
import json
import threading
import time
from http.server import ThreadingHTTPServer

import fake_http


class FakeLLM:
    def __init__(self, prompt_tokens=1200, completion_tokens=80):
        self.requests = []  # [(path, headers dict, body dict)]
        self.lock = threading.Lock()
        self.behaviour = ("answer", {"summary": "nothing", "root_cause": "", "runbook": None,
                                     "params": [], "confidence": 0.5})
        self.wait_s = 0.0
        self.gate = threading.Event()
        self.gate.set()
        self.schema_400 = False
        self.usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}
        fake = self

        class H(fake_http.Handler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with fake.lock:
                    fake.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()},
                                          body))
                    kind, arg = fake.behaviour
                    wait_s, schema_400 = fake.wait_s, fake.schema_400
                fake.gate.wait(60)
                if wait_s:
                    time.sleep(wait_s)
                rf = (body or {}).get("response_format") or {}
                if schema_400 and rf.get("type") == "json_schema":
                    return self._send(400, {"error": {"message": "response_format json_schema "
                                                      "is not supported"}})
                if kind == "status":
                    status, err = arg
                    return self._send(status, err)
                msg = {"role": "assistant", "content": None}
                if kind == "answer":
                    msg["content"] = json.dumps(arg)
                elif kind == "content":
                    msg["content"] = arg
                elif kind == "refuse":
                    msg["refusal"] = arg
                self._send(200, {
                    "id": "chatcmpl-fake", "object": "chat.completion",
                    "model": (body or {}).get("model"),
                    "choices": [{"index": 0, "message": msg, "finish_reason": "stop"}],
                    "usage": fake.usage,
                })

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/v1" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # -- behaviours
    def _set(self, kind, arg):
        with self.lock:
            self.behaviour = (kind, arg)

    def answer(self, obj):
        self._set("answer", obj)

    def content(self, text):
        self._set("content", text)

    def refuse(self, reason):
        self._set("refuse", reason)

    def status(self, code, err=None):
        self._set("status", (code, err if err is not None else {"error": {"message": "busy"}}))

    def delay(self, seconds):
        with self.lock:
            self.wait_s = seconds

    def reject_schema(self, on=True):
        with self.lock:
            self.schema_400 = on

    def hold(self):
        self.gate.clear()

    def release(self):
        self.gate.set()

    # -- what was asked
    def calls(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()
