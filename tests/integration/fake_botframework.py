"""A fake Bot Framework for the Teams tests: a token issuer with its own RSA keys (OpenID
metadata, JWKS with endorsements, RS256 JWTs with any claims), the Azure AD token endpoint for
the client-credentials grant, a Bot Connector that records every POST/PUT of activities (and can
be told to answer 429 first), and a Workflows webhook. Stdlib http.server + cryptography."""
import base64
import http.client
import http.server
import json
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import fake_http

ISSUER = "https://api.botframework.com"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64u(n):
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Issuer:
    """RSA signing keys by kid. Published keys appear in the JWKS; unpublished ones sign
    tokens with a kid the daemon cannot know."""

    def __init__(self, kid="bf-key-1"):
        self.keys = {}  # kid -> (private key, endorsements, published)
        self.add_key(kid)
        self.default_kid = kid

    def add_key(self, kid, endorsements=("msteams",), published=True):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[kid] = (key, list(endorsements), published)
        return key

    def jwks(self):
        out = []
        for kid, (key, endorsements, published) in self.keys.items():
            if not published:
                continue
            pub = key.public_key().public_numbers()
            out.append({"kty": "RSA", "use": "sig", "kid": kid, "n": _int_b64u(pub.n),
                        "e": _int_b64u(pub.e), "endorsements": endorsements})
        return {"keys": out}

    @staticmethod
    def claims(app_id, service_url, now=None, **over):
        now = int(time.time()) if now is None else now
        c = {"iss": ISSUER, "aud": app_id, "exp": now + 3600, "nbf": now - 60, "iat": now - 60,
             "serviceurl": service_url}
        c.update(over)
        return {k: v for k, v in c.items() if v is not None}

    def mint(self, claims, kid=None, sign_with=None, alg="RS256", extra_header=None):
        """A compact JWS. sign_with: a kid whose key signs (default: the header's kid);
        extra_header: more header members (e.g. "crit")."""
        kid = kid or self.default_kid
        header = {"alg": alg, "typ": "JWT", "kid": kid}
        header.update(extra_header or {})
        signing = (b64u(json.dumps(header).encode()) + "." +
                   b64u(json.dumps(claims).encode())).encode()
        key = self.keys[sign_with or kid][0]
        sig = key.sign(signing, padding.PKCS1v15(), hashes.SHA256())
        return signing.decode() + "." + b64u(sig)


class FakeBotFramework:
    """One HTTP server: /openid, /keys, /token, /connector/v3/…, /webhook."""

    def __init__(self, app_id="00000000-0000-0000-0000-0000000000b0"):
        self.app_id = app_id
        self.issuer = Issuer()
        self.lock = threading.Lock()
        self.activities = []  # {"method","conv","activity_id","body","auth"}
        self.token_requests = []
        self.webhook_posts = []
        self.key_fetches = 0
        self.key_requests = 0  # /keys requests begun (key_fetches counts those answered)
        self.keys_gate = None  # a threading.Event: /keys answers only once it is set
        self.failures = []  # [status, count, retry_after]
        self.next_id = 1000
        fake = self

        class H(fake_http.Handler):
            protocol_version = "HTTP/1.1"

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def do_GET(self):
                if self.path == "/openid":
                    self._send(200, {"issuer": ISSUER, "jwks_uri": fake.base + "/keys",
                                     "id_token_signing_alg_values_supported": ["RS256"]})
                elif self.path == "/keys":
                    with fake.lock:
                        fake.key_requests += 1
                    gate = fake.keys_gate
                    if gate is not None:
                        gate.wait(30)
                    with fake.lock:
                        fake.key_fetches += 1
                        doc = fake.issuer.jwks()
                    self._send(200, doc)
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                body = self._body()
                if self.path == "/token":
                    form = urllib.parse.parse_qs(body.decode())
                    with fake.lock:
                        fake.token_requests.append(form)
                        n = len(fake.token_requests)
                    self._send(200, {"token_type": "Bearer", "expires_in": 3600,
                                     "access_token": "bot-token-%d" % n})
                elif self.path == "/webhook":
                    with fake.lock:
                        fake.webhook_posts.append(json.loads(body))
                    self._send(202, {})
                elif self.path.startswith("/connector/v3/conversations/"):
                    self._connector("POST", body)
                else:
                    self._send(404, {"error": "not found"})

            def do_PUT(self):
                body = self._body()
                if self.path.startswith("/connector/v3/conversations/"):
                    self._connector("PUT", body)
                else:
                    self._send(404, {"error": "not found"})

            def _connector(self, method, body):
                rest = self.path[len("/connector/v3/conversations/"):]
                parts = rest.split("/")
                conv = urllib.parse.unquote(parts[0])
                aid = urllib.parse.unquote(parts[2]) if len(parts) > 2 else None
                with fake.lock:
                    if fake.failures and fake.failures[0][1] > 0:
                        status, _, retry_after = fake.failures[0]
                        fake.failures[0][1] -= 1
                        if fake.failures[0][1] == 0:
                            fake.failures.pop(0)
                        fake.activities.append({"method": method, "conv": conv,
                                                "activity_id": aid, "body": json.loads(body),
                                                "auth": self.headers.get("Authorization"),
                                                "status": status})
                        h = {"Retry-After": str(retry_after)} if retry_after else {}
                        self._send(status, {"error": {"code": "Throttled"}}, h)
                        return
                    if method == "PUT":
                        new_id = aid
                    else:
                        fake.next_id += 1
                        new_id = str(fake.next_id)
                    fake.activities.append({"method": method, "conv": conv, "activity_id": aid,
                                            "body": json.loads(body),
                                            "auth": self.headers.get("Authorization"),
                                            "status": 201 if method == "POST" else 200,
                                            "id": new_id})
                self._send(201 if method == "POST" else 200, {"id": new_id})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.service_url = self.base + "/connector/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # -- what the daemon needs
    def env(self, **extra):
        e = {"TEAMS_APP_ID": self.app_id, "TEAMS_APP_PASSWORD": "fake-app-password-123",
             "TEAMS_TENANT_ID": "tenant-0001", "TEAMS_OPENID_URL": self.base + "/openid",
             "TEAMS_TOKEN_URL": self.base + "/token"}
        e.update(extra)
        return e

    def fail_next(self, status, count=1, retry_after=None):
        with self.lock:
            self.failures.append([status, count, retry_after])

    def sent(self, method=None):
        with self.lock:
            return [a for a in self.activities if method is None or a["method"] == method]

    def token(self, **over):
        """A valid token for an activity from this fake, with claims overridden (None drops)."""
        return self.issuer.mint(Issuer.claims(self.app_id, self.service_url, **over))


# ---------------------------------------------------------------- activities

CHANNEL = "19:incidents0001@thread.tacv2"
TEAM_NAME = "Operations"


def _base(fake, typ, conv=CHANNEL, conv_type="channel", aad="aad-user-1", name="Ada"):
    return {
        "type": typ, "id": "act-%d" % int(time.time() * 1e6), "timestamp": "2026-11-23T10:00:00Z",
        "serviceUrl": fake.service_url, "channelId": "msteams",
        "from": {"id": "29:" + aad, "name": name, "aadObjectId": aad},
        "recipient": {"id": "28:" + fake.app_id, "name": "healer"},
        "conversation": {"id": conv, "conversationType": conv_type, "tenantId": "tenant-0001",
                         "isGroup": conv_type != "personal"},
        "channelData": {"tenant": {"id": "tenant-0001"}, "team": {"id": "19:team", "name": TEAM_NAME},
                        "channel": {"id": conv}},
    }


def installed(fake, conv=CHANNEL, conv_type="channel"):
    a = _base(fake, "conversationUpdate", conv, conv_type)
    a["membersAdded"] = [{"id": "28:" + fake.app_id}]
    return a


def message(fake, text, aad="aad-user-1", conv=CHANNEL, mention=True):
    a = _base(fake, "message", conv, aad=aad)
    if mention:
        a["text"] = "<at>healer</at> " + text
        a["entities"] = [{"type": "mention", "text": "<at>healer</at>",
                          "mentioned": {"id": "28:" + fake.app_id, "name": "healer"}}]
    else:
        a["text"] = text
    return a


def invoke(fake, verb, data, aad="aad-user-1", name="Ada"):
    a = _base(fake, "invoke", aad=aad, name=name)
    a["name"] = "adaptiveCard/action"
    a["value"] = {"action": {"type": "Action.Execute", "id": verb, "verb": verb, "data": data},
                  "trigger": "manual"}
    return a


def submit(fake, value, aad="aad-user-1", reply_to=None):
    a = _base(fake, "message", aad=aad)
    a["value"] = value
    if reply_to:
        a["replyToId"] = reply_to
    return a


def post_activity(port, activity, token, timeout=15.0, raw_auth=None):
    """POSTs to the daemon's /api/messages; returns (status, json or text)."""
    body = json.dumps(activity).encode()
    h = {"Content-Type": "application/json"}
    if raw_auth is not None:
        h["Authorization"] = raw_auth
    elif token is not None:
        h["Authorization"] = "Bearer " + token
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/api/messages", body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data
    finally:
        c.close()
