"""Prints the expected signatures of the SigV4 cases in test_sigv4.c, computed by botocore's
signer (botocore.auth.SigV4Auth) with the AWS test suite's credentials, scope and date.
Run: /usr/bin/python3 tests/unit/sigv4_vectors.py"""
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
DATE = "20150830T123600Z"
CASES = [
    ("get-vanilla", "GET", "/", "", {}, b""),
    ("get-vanilla-query-order-key", "GET", "/", "Param2=value2&Param1=value1", {}, b""),
    ("get-vanilla-query-order-value", "GET", "/", "Param1=value2&Param1=Value1", {}, b""),
    ("post-x-www-form-urlencoded", "POST", "/", "",
     {"Content-Type": "application/x-www-form-urlencoded"}, b"Param1=value1"),
    ("post-header-key-sort", "POST", "/", "", {"My-Header1": "value1"}, b""),
    ("get-header-value-trim", "GET", "/", "", {"My-Header1": " value1", "My-Header2": ' "a   b   c"'}, b""),
]


def sign(method, path, query, headers, body, token=None, region="us-east-1", service="service"):
    creds = Credentials(CREDS.access_key, CREDS.secret_key, token)
    url = "https://example.amazonaws.com" + path + ("?" + query if query else "")
    h = {"Host": "example.amazonaws.com", "X-Amz-Date": DATE}
    h.update(headers)
    req = AWSRequest(method=method, url=url, data=body, headers=h)
    req.context["timestamp"] = DATE
    auth = SigV4Auth(creds, service, region)
    auth._modify_request_before_signing(req)
    canonical = auth.canonical_request(req)
    return auth.signature(auth.string_to_sign(req, canonical), req)


if __name__ == "__main__":
    for name, *args in CASES:
        print("%-32s %s" % (name, sign(*args)))
    print("%-32s %s" % ("get-vanilla (session token)",
                        sign("GET", "/", "", {}, b"", token="AQoDYXdzEPT//////////wEXAMPLE")))
