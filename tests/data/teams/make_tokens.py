#!/usr/bin/python3
"""Writes jwks.json and tokens.json for tests/unit/test_teams_jwt.c: fixed tokens checked at
a fixed time (NOW), so the unit test needs neither a clock nor a signer. Run from the repo root:
python3 tests/data/teams/make_tokens.py"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "integration"))
from fake_botframework import Issuer, b64u  # noqa: E402

NOW = 1800000000
APP = "app-123"
SVC = "https://smba.example/amer/"
OUT = os.path.dirname(os.path.abspath(__file__))

iss = Issuer("key-a")
iss.add_key("key-b", endorsements=["skype"])
iss.add_key("key-x", published=False)


def claims(**over):
    return Issuer.claims(APP, SVC, now=NOW, **over)


valid = iss.mint(claims())
h, p, s = valid.split(".")
tampered_claims = claims(aud="someone-else")
tokens = {
    "valid": valid,
    "valid_aud_array": iss.mint(claims(aud=["other", APP])),
    "expired": iss.mint(claims(exp=NOW - 301, nbf=NOW - 4000)),
    "expired_within_skew": iss.mint(claims(exp=NOW - 299, nbf=NOW - 4000)),
    "not_yet_valid": iss.mint(claims(nbf=NOW + 301)),
    "nbf_within_skew": iss.mint(claims(nbf=NOW + 299)),
    "no_exp": iss.mint(claims(exp=None)),
    "wrong_audience": iss.mint(claims(aud="someone-else")),
    "wrong_issuer": iss.mint(claims(iss="https://evil.example")),
    "unknown_kid": iss.mint(claims(), kid="key-x"),
    "bad_signature": iss.mint(claims(), kid="key-a", sign_with="key-x"),
    "tampered": h + "." + b64u(json.dumps(tampered_claims).encode()) + "." + s,
    "no_endorsement": iss.mint(claims(), kid="key-b"),
    "service_url_mismatch": iss.mint(claims(serviceurl="https://evil.example/")),
    "alg_hs256": b64u(json.dumps({"alg": "HS256", "kid": "key-a"}).encode()) + "." + p + "."
    + b64u(b"x" * 32),
    "malformed": "abc.def",
    "crit": iss.mint(claims(), extra_header={"crit": ["x-healer-test"], "x-healer-test": True}),
    "crit_unknown_kid": iss.mint(claims(), kid="key-x", extra_header={"crit": ["exp"]}),
}
with open(os.path.join(OUT, "jwks.json"), "w") as f:
    json.dump(iss.jwks(), f, indent=1)
with open(os.path.join(OUT, "tokens.json"), "w") as f:
    json.dump({"now": NOW, "app": APP, "service_url": SVC, "tokens": tokens}, f, indent=1)
