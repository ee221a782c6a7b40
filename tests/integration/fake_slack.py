"""A fake Slack for the integration tests: the Web API over stdlib HTTP (every call recorded,
every posted/updated message and view checked against the Block Kit limits of protocols.md
section 5) and a Socket Mode websocket server (python3-websockets) that sends hello and
envelopes, records acks, and can drop the socket, send `disconnect`, go silent (stop reading,
so pings get no pong), refuse with 429 + Retry-After, or be down (503). Like real Slack, an
envelope left unacked on a connection that closes is redelivered on the live one."""
import asyncio
import http.server
import itertools
import json
import threading
import time
import urllib.parse
import uuid

import websockets
from websockets.exceptions import ConnectionClosed

MAX_MSG_TEXT = 4000


# ---------------------------------------------------------------- Block Kit limits

def _text_problems(where, t, limit, kinds=("plain_text", "mrkdwn")):
    if not isinstance(t, dict) or t.get("type") not in kinds:
        return ["%s: not a text object of %s: %r" % (where, kinds, t)]
    s = t.get("text")
    if not isinstance(s, str) or not s:
        return ["%s: empty text" % where]
    if len(s) > limit:
        return ["%s: text of %d chars > %d" % (where, len(s), limit)]
    return []


def _element_problems(where, e):
    p = []
    if e.get("type") == "button":
        p += _text_problems(where + ".text", e.get("text"), 75, ("plain_text",))
        if len(e.get("value", "")) > 2000:
            p.append(where + ": value > 2000")
        if len(e.get("url", "")) > 3000:
            p.append(where + ": url > 3000")
        if len(e.get("action_id", "")) > 255:
            p.append(where + ": action_id > 255")
        if e.get("style") not in (None, "primary", "danger"):
            p.append(where + ": bad style %r" % e.get("style"))
        c = e.get("confirm")
        if c is not None:
            p += _text_problems(where + ".confirm.title", c.get("title"), 100, ("plain_text",))
            p += _text_problems(where + ".confirm.text", c.get("text"), 300)
            p += _text_problems(where + ".confirm.confirm", c.get("confirm"), 30, ("plain_text",))
            p += _text_problems(where + ".confirm.deny", c.get("deny"), 30, ("plain_text",))
    elif e.get("type") == "plain_text_input":
        if len(e.get("action_id", "")) > 255:
            p.append(where + ": action_id > 255")
    return p


def block_problems(blocks, max_blocks):
    """Everything in `blocks` that real Slack would refuse as invalid_blocks."""
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    p = []
    if len(blocks) > max_blocks:
        p.append("%d blocks > %d" % (len(blocks), max_blocks))
    for i, b in enumerate(blocks):
        w = "blocks[%d](%s)" % (i, b.get("type"))
        if len(b.get("block_id", "")) > 255:
            p.append(w + ": block_id > 255")
        t = b.get("type")
        if t == "header":
            p += _text_problems(w, b.get("text"), 150, ("plain_text",))
        elif t == "section":
            if "text" not in b and "fields" not in b:
                p.append(w + ": neither text nor fields")
            if "text" in b:
                p += _text_problems(w, b["text"], 3000)
            if "fields" in b:
                if len(b["fields"]) > 10:
                    p.append(w + ": %d fields > 10" % len(b["fields"]))
                for j, f in enumerate(b["fields"]):
                    p += _text_problems("%s.fields[%d]" % (w, j), f, 2000)
            if "accessory" in b:
                p += _element_problems(w + ".accessory", b["accessory"])
        elif t == "context":
            els = b.get("elements", [])
            if not 1 <= len(els) <= 10:
                p.append(w + ": %d elements" % len(els))
            for j, e in enumerate(els):
                p += _text_problems("%s.elements[%d]" % (w, j), e, 3000)
        elif t == "actions":
            els = b.get("elements", [])
            if not 1 <= len(els) <= 25:
                p.append(w + ": %d elements" % len(els))
            for j, e in enumerate(els):
                p += _element_problems("%s.elements[%d]" % (w, j), e)
        elif t == "input":
            p += _text_problems(w + ".label", b.get("label"), 2000, ("plain_text",))
            p += _element_problems(w + ".element", b.get("element", {}))
        elif t != "divider":
            p.append(w + ": unexpected block type")
    return p


def message_problems(body):
    p = []
    if not body.get("channel"):
        p.append("no channel")
    text = body.get("text")
    if not isinstance(text, str) or not text:
        p.append("no plain text fallback")
    elif len(text) > MAX_MSG_TEXT:
        p.append("text of %d chars > %d" % (len(text), MAX_MSG_TEXT))
    if "blocks" in body:
        p += block_problems(body["blocks"], 50)
    return p


def view_problems(view):
    p = block_problems(view.get("blocks", []), 100)
    if view.get("type") == "modal":
        for k in ("title", "submit", "close"):
            if k in view:
                p += _text_problems("view." + k, view[k], 24, ("plain_text",))
        if len(view.get("private_metadata", "")) > 3000:
            p.append("private_metadata > 3000")
        if len(view.get("callback_id", "")) > 255:
            p.append("callback_id > 255")
    return p


# ---------------------------------------------------------------- the fake

class Conn:
    def __init__(self, cid, ws, path):
        self.id = cid
        self.ws = ws
        self.path = path
        self.closed = False
        self.hello = False
        self.sent = {}  # envelope_id → envelope, not yet acked


class FakeSlack:
    def __init__(self, channel="C0INCIDENT"):
        self.channel = channel
        self.lock = threading.Condition()
        self.calls = []          # (monotonic, method, headers, body or None, http status)
        self.problems = []       # Block Kit or protocol violations, asserted empty at teardown
        self.messages = {}       # ts → {"channel","text","blocks","thread_ts","updates"}
        self.order = []          # ts in posting order
        self.acks = []           # (monotonic, conn id, envelope_id, payload)
        self.sent_at = {}        # envelope_id → monotonic of the first send
        self.conns = []
        self.fail = {}           # method → list of (status, headers, body) answered in turn
        self.down = False        # every chat.* / views.* answers 503
        self.open_error = None   # apps.connections.open answers {"ok":false,"error":…}
        self.bot_error = None    # every bot-token method answers {"ok":false,"error":…}
        self.users = {}          # user id → users.info "user" object (profile names)
        self.send_hello = True
        self.redeliver = True
        self._ts = itertools.count(1)
        self._tickets = itertools.count(1)

        fake = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms stalls

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                status, headers, body = fake._api(self.path, self.headers, raw)
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.http.daemon_threads = True
        self.api_url = "http://127.0.0.1:%d/api/" % self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run_ws, args=(ready,), daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("fake Socket Mode server did not start")

    # ------------------------------------------------------------ Web API
    def _api(self, path, headers, raw):
        now = time.monotonic()
        method = path.split("?")[0][len("/api/"):] if path.startswith("/api/") else path
        auth = headers.get("Authorization", "")
        ctype = headers.get("Content-Type", "")
        body = None
        if method == "users.info":
            # a read method: form arguments (here in the query string), never JSON
            query = urllib.parse.parse_qs(path.partition("?")[2])
            body = {k: v[0] for k, v in query.items()}
            if ctype.replace(" ", "").lower() != "application/x-www-form-urlencoded":
                self._problem("users.info with Content-Type %r" % ctype)
            raw = b""
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = None
        with self.lock:
            answer = self._answer(method, auth, ctype, raw, body)
            self.calls.append((now, method, dict(headers), body, answer[0]))
            self.lock.notify_all()
        return answer

    def _problem(self, what):
        self.problems.append(what)

    def _answer(self, method, auth, ctype, raw, body):
        if method.startswith("response/"):
            return 200, {}, b"ok"
        if method == "apps.connections.open":
            if not auth.startswith("Bearer xapp-"):
                self._problem("apps.connections.open without the xapp token")
                return 200, {}, {"ok": False, "error": "not_allowed_token_type"}
            if self.open_error:
                return 200, {}, {"ok": False, "error": self.open_error}
            url = "ws://127.0.0.1:%d/link/?ticket=%d&app_id=A0HEALER" % (
                self.ws_port, next(self._tickets))
            return 200, {}, {"ok": True, "url": url}
        if not auth.startswith("Bearer xoxb-"):
            self._problem("%s without the bot token (%r)" % (method, auth[:12]))
            return 200, {}, {"ok": False, "error": "not_authed"}
        if self.bot_error:
            return 200, {}, {"ok": False, "error": self.bot_error}
        if method == "users.info":
            return self._m_users_info(body)
        if ctype.replace(" ", "").lower() != "application/json;charset=utf-8":
            self._problem("%s with Content-Type %r" % (method, ctype))
        if body is None:
            self._problem("%s with a body that is not JSON: %r" % (method, raw[:100]))
            return 200, {}, {"ok": False, "error": "invalid_json"}
        queued = self.fail.get(method)
        if queued:
            status, h, b = queued.pop(0)
            return status, h, b
        if self.down:
            return 503, {}, {"ok": False, "error": "service_unavailable"}
        fn = getattr(self, "_m_" + method.replace(".", "_"), None)
        if fn is None:
            self._problem("unexpected method %s" % method)
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return fn(body)

    def _m_chat_postMessage(self, b):
        p = message_problems(b)
        if p:
            self.problems += ["chat.postMessage: " + x for x in p]
            return 200, {}, {"ok": False, "error": "invalid_blocks"}
        ts = "1700000000.%06d" % next(self._ts)
        self.messages[ts] = {"channel": b["channel"], "text": b["text"],
                             "blocks": b.get("blocks"), "thread_ts": b.get("thread_ts"),
                             "updates": 0}
        self.order.append(ts)
        return 200, {}, {"ok": True, "channel": b["channel"], "ts": ts}

    def _m_chat_update(self, b):
        p = message_problems(b)
        if p:
            self.problems += ["chat.update: " + x for x in p]
            return 200, {}, {"ok": False, "error": "invalid_blocks"}
        m = self.messages.get(b.get("ts"))
        if m is None or m["channel"] != b["channel"]:
            return 200, {}, {"ok": False, "error": "message_not_found"}
        m.update(text=b["text"], blocks=b.get("blocks"))
        m["updates"] += 1
        return 200, {}, {"ok": True, "channel": b["channel"], "ts": b["ts"]}

    def _m_chat_postEphemeral(self, b):
        if not b.get("user") or not b.get("channel") or not b.get("text"):
            self._problem("chat.postEphemeral without user/channel/text: %r" % b)
        return 200, {}, {"ok": True, "message_ts": "1700000000.9%05d" % next(self._ts)}

    def _m_views_open(self, b):
        if not b.get("trigger_id"):
            self._problem("views.open without trigger_id")
        p = view_problems(b.get("view", {}))
        if p:
            self.problems += ["views.open: " + x for x in p]
            return 200, {}, {"ok": False, "error": "invalid_arguments"}
        return 200, {}, {"ok": True, "view": {"id": "V%d" % next(self._ts)}}

    def _m_users_info(self, b):
        u = self.users.get(b.get("user"))
        if u is None:
            return 200, {}, {"ok": False, "error": "user_not_found"}
        return 200, {}, {"ok": True, "user": dict(u, id=b["user"])}

    def _m_views_publish(self, b):
        if not b.get("user_id"):
            self._problem("views.publish without user_id")
        p = view_problems(b.get("view", {}))
        if p:
            self.problems += ["views.publish: " + x for x in p]
            return 200, {}, {"ok": False, "error": "invalid_arguments"}
        return 200, {}, {"ok": True}

    # ------------------------------------------------------------ what was called
    def calls_to(self, method):
        with self.lock:
            return [c for c in self.calls if c[1] == method]

    def bodies(self, method):
        return [c[3] for c in self.calls_to(method) if c[4] == 200]

    def cards(self):
        """Top-level messages in posting order: [(ts, message)]."""
        with self.lock:
            return [(ts, dict(self.messages[ts])) for ts in self.order
                    if not self.messages[ts]["thread_ts"]]

    def card(self, key):
        """The card of incident `key` ("INC-1"), or None: (ts, message)."""
        for ts, m in self.cards():
            if m["text"].startswith(key + " "):
                return ts, m
        return None

    def thread(self, ts):
        with self.lock:
            return [dict(self.messages[t]) for t in self.order
                    if self.messages[t]["thread_ts"] == ts]

    def wait(self, pred, desc, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                v = pred()
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("fake Slack: timed out waiting for %s" % desc)
                self.lock.wait(min(left, 0.1))

    def fail_next(self, method, status=429, headers=None, body=None, times=1):
        with self.lock:
            for _ in range(times):
                self.fail.setdefault(method, []).append(
                    (status, headers or {}, body or {"ok": False, "error": "ratelimited"}))

    # ------------------------------------------------------------ Socket Mode
    def _run_ws(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(websockets.serve(
            self._handler, "127.0.0.1", 0, ping_interval=None, max_size=2 ** 20))
        self.ws_port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _handler(self, ws, path):
        with self.lock:
            conn = Conn(len(self.conns) + 1, ws, path)
            self.conns.append(conn)
            self.lock.notify_all()
        try:
            if self.send_hello:
                await ws.send(json.dumps({
                    "type": "hello", "num_connections": sum(1 for c in self.conns if not c.closed),
                    "connection_info": {"app_id": "A0HEALER"},
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
                with self.lock:
                    conn.hello = True
                    self.lock.notify_all()
            async for msg in ws:
                now = time.monotonic()
                try:
                    j = json.loads(msg)
                except ValueError:
                    with self.lock:
                        self._problem("a frame that is not JSON: %r" % msg[:100])
                    continue
                with self.lock:
                    eid = j.get("envelope_id")
                    if not eid:
                        self._problem("a frame without envelope_id: %r" % msg[:100])
                    conn.sent.pop(eid, None)
                    self.acks.append((now, conn.id, eid, j.get("payload")))
                    self.lock.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self.lock:
                conn.closed = True
                left = list(conn.sent.values()) if self.redeliver else []
                conn.sent.clear()
                self.lock.notify_all()
            for env in left:
                asyncio.ensure_future(self._redeliver(env))

    async def _redeliver(self, env):
        env = dict(env, retry_attempt=env.get("retry_attempt", 0) + 1, retry_reason="timeout")
        for _ in range(200):
            c = self.live()
            if c is not None:
                try:
                    await self._send_on(c, env)
                    return
                except ConnectionClosed:
                    pass
            await asyncio.sleep(0.05)

    async def _send_on(self, conn, env):
        with self.lock:
            if "envelope_id" in env:
                conn.sent[env["envelope_id"]] = env
                self.sent_at.setdefault(env["envelope_id"], time.monotonic())
        await conn.ws.send(json.dumps(env))

    def _run(self, coro, timeout=10):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def live(self):
        """The newest open connection that got its hello."""
        with self.lock:
            for c in reversed(self.conns):
                if not c.closed and c.hello:
                    return c
        return None

    def wait_live(self, after=0, timeout=20.0):
        """Waits for a live connection with id > after; returns it."""
        return self.wait(lambda: next((c for c in reversed(self.conns)
                                       if c.id > after and c.hello and not c.closed), None),
                         "a Socket Mode connection (after #%d)" % after, timeout)

    def send(self, env, conn=None):
        conn = conn or self.live()
        if conn is None:
            raise AssertionError("no live Socket Mode connection")
        self._run(self._send_on(conn, env))
        return env.get("envelope_id")

    def envelope(self, etype, payload, eid=None, **extra):
        env = {"envelope_id": eid or str(uuid.uuid4()), "type": etype, "payload": payload,
               "accepts_response_payload": etype != "events_api"}
        env.update(extra)
        return env

    def disconnect(self, reason="refresh_requested", conn=None):
        conn = conn or self.live()
        self._run(conn.ws.send(json.dumps({"type": "disconnect", "reason": reason,
                                           "debug_info": {"host": "fake"}})))

    def drop(self, conn=None):
        """Cuts the TCP connection without a close frame."""
        conn = conn or self.live()
        self.loop.call_soon_threadsafe(conn.ws.transport.abort)

    def silence(self, conn=None):
        """Stops reading the connection: pings are not answered, acks not seen."""
        conn = conn or self.live()
        self.loop.call_soon_threadsafe(conn.ws.transport.pause_reading)

    def acked(self, eid):
        with self.lock:
            return [a for a in self.acks if a[2] == eid]

    def wait_ack(self, eid, timeout=10.0):
        return self.wait(lambda: self.acked(eid), "the ack of %s" % eid, timeout)[0]

    def close(self):
        self.http.shutdown()
        self.http.server_close()

        async def stop():
            self.server.close()
            for c in self.conns:
                if not c.closed:
                    c.ws.transport.abort()
        try:
            self._run(stop(), 5)
            self._run(self.server.wait_closed(), 5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
