"""AWS SNS over HTTPS: a local TLS server (certificate made with the openssl CLI, trusted via
HEALER_CA_FILE) serves the signing certificate and the SubscribeURL; envelopes are signed
here with `cryptography` (v1 SHA1, v2 SHA256, string to sign per protocols.md §12)."""
import base64
import datetime
import http.server
import json
import ssl
import subprocess
import threading
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

TOPIC = "arn:aws:sns:us-east-1:123456789012:healer-alarms"
OTHER_TOPIC = "arn:aws:sns:us-east-1:123456789012:someone-else"

CPU = """\
id: cpu-high
title: Investigate high CPU
match:
  - labels: {alertname: HighCPU-web-1}
risk: medium
cost: {usd: 0}
steps:
  - {name: noop, exec: [/bin/true]}
"""


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_tls(tmp):
    """A test CA and a server certificate for 127.0.0.1 signed by it."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=healer test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=tmp)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
            "-subj", "/CN=127.0.0.1", cwd=tmp)
    (tmp / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                 "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf", cwd=tmp)
    return tmp / "ca.pem", tmp / "srv.pem", tmp / "srv.key"


def make_signing_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


class SnsFake:
    """HTTPS server: GET /cert.pem → signing cert; GET /confirm… → records the confirmation."""

    def __init__(self, tmp):
        ca, crt, key = make_tls(tmp)
        self.ca = ca
        self.key, self.cert_pem = make_signing_cert()
        self.gets = []
        fake = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                fake.gets.append(self.path)
                if self.path.startswith("/SimpleNotificationService-test.pem"):
                    body, ctype = fake.cert_pem, "application/x-pem-file"
                elif self.path.startswith("/confirm"):
                    body = (b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult>"
                            b"<SubscriptionArn>arn:aws:sns:us-east-1:123456789012:healer-alarms:"
                            b"abc</SubscriptionArn></ConfirmSubscriptionResult>"
                            b"</ConfirmSubscriptionResponse>")
                    ctype = "text/xml"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(crt), str(key))
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.hostport = "127.0.0.1:%d" % self.server.server_address[1]
        self.base = "https://" + self.hostport
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def sign(self, env, version="1"):
        env["SignatureVersion"] = version
        env["SigningCertURL"] = self.base + "/SimpleNotificationService-test.pem"
        if env["Type"] == "Notification":
            keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        else:
            keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        text = "".join("%s\n%s\n" % (k, env[k]) for k in keys if k in env)
        h = hashes.SHA1() if version == "1" else hashes.SHA256()
        sig = self.key.sign(text.encode(), padding.PKCS1v15(), h)
        env["Signature"] = base64.b64encode(sig).decode()
        return env


def ts(offset_s=0):
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def alarm(name="HighCPU-web-1", state="ALARM", instance="i-0abc1234567890def"):
    return {
        "AlarmName": name, "AlarmDescription": "CPU above 80% on web-1",
        "AWSAccountId": "123456789012",
        "AlarmConfigurationUpdatedTimestamp": "2026-11-20T10:00:00.000+0000",
        "NewStateValue": state, "NewStateReason": "Threshold Crossed: 1 datapoint [93.1] > 80.0",
        "StateChangeTime": "2026-11-23T10:00:00.000+0000", "Region": "US East (N. Virginia)",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name,
        "OldStateValue": "OK" if state == "ALARM" else "ALARM",
        "OKActions": [], "AlarmActions": [TOPIC], "InsufficientDataActions": [],
        "Trigger": {"MetricName": "CPUUtilization", "Namespace": "AWS/EC2",
                    "StatisticType": "Statistic", "Statistic": "AVERAGE", "Unit": None,
                    "Dimensions": [{"value": instance, "name": "InstanceId"}],
                    "Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
                    "ComparisonOperator": "GreaterThanThreshold", "Threshold": 80.0,
                    "TreatMissingData": "missing", "EvaluateLowSampleCountPercentile": ""},
    }


def notification(fake, topic=TOPIC, version="1", message=None, msg_id=None, timestamp=None):
    a = message or alarm()
    env = {"Type": "Notification", "MessageId": msg_id or str(uuid.uuid4()), "TopicArn": topic,
           "Subject": 'ALARM: "%s" in US East (N. Virginia)' % a["AlarmName"],
           "Message": json.dumps(a), "Timestamp": timestamp or ts(),
           "UnsubscribeURL": fake.base + "/unsubscribe?SubscriptionArn=" + topic + ":abc"}
    return fake.sign(env, version)


def sns_post(d, env):
    headers = {"x-amz-sns-message-type": env["Type"], "x-amz-sns-message-id": env["MessageId"],
               "x-amz-sns-topic-arn": env["TopicArn"],
               "Content-Type": "text/plain; charset=UTF-8"}
    return d.post("/alerts/sns", json.dumps(env), token=None, headers=headers)


@pytest.fixture
def fake(tmp_path):
    tls = tmp_path / "tls"
    tls.mkdir()
    f = SnsFake(tls)
    yield f
    f.close()


@pytest.fixture
def d(healer, fake):
    return healer(runbooks={"cpu.yaml": CPU}, HEALER_SNS_TOPICS=TOPIC,
                  HEALER_SNS_CERT_HOSTS=fake.hostport, HEALER_CA_FILE=str(fake.ca))


def test_subscription_confirmed(d, fake):
    token = "2336412f37fb687f5d51e6e2425dacbba" + "0" * 32
    env = {"Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": token,
           "TopicArn": TOPIC,
           "Message": "You have chosen to subscribe to the topic %s.\nTo confirm the "
                      "subscription, visit the SubscribeURL included in this message." % TOPIC,
           "SubscribeURL": fake.base + "/confirm?Action=ConfirmSubscription&TopicArn=%s&Token=%s"
                           % (TOPIC, token),
           "Timestamp": ts()}
    fake.sign(env, "1")
    r = sns_post(d, env)
    assert r.status == 200, r
    d.wait_for(lambda: [g for g in fake.gets if g.startswith("/confirm") and token in g],
               "the daemon to GET the SubscribeURL")
    assert d.incidents() == []


def test_tampered_confirmation_not_followed(d, fake):
    env = {"Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": "tok1",
           "TopicArn": TOPIC, "Message": "confirm please",
           "SubscribeURL": fake.base + "/confirm?Action=ConfirmSubscription&Token=tok1",
           "Timestamp": ts()}
    fake.sign(env, "2")
    env["SubscribeURL"] = fake.base + "/confirm?Action=ConfirmSubscription&Token=evil"
    r = sns_post(d, env)
    assert r.status == 403, r
    assert not [g for g in fake.gets if g.startswith("/confirm")], fake.gets


@pytest.mark.parametrize("version", ["1", "2"])
def test_notification_creates_incident(d, fake, version):
    env = notification(fake, version=version)
    r = sns_post(d, env)
    assert r.status == 202, r
    assert r.json["accepted"] == 1 and r.json["incidents"] == ["INC-1"], r.json
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["source"] == "sns"
    assert v["labels"]["alertname"] == "HighCPU-web-1", v["labels"]
    assert v["resource"] == "i-0abc1234567890def", v["resource"]
    assert "HighCPU-web-1" in v["title"]
    assert v["action"]["runbook"] == "cpu-high"
    # SNS redelivers with the same MessageId: a duplicate, nothing changes
    r = sns_post(d, env)
    assert r.status == 202 and r.json["duplicates"] == 1 and r.json["accepted"] == 0, r
    assert d.view("INC-1")["occurrences"] == 1
    # the alarm going back to OK clears it and closes it (nothing ran)
    r = sns_post(d, notification(fake, version=version, message=alarm(state="OK")))
    assert r.status == 202, r
    v = d.wait_state("INC-1", "closed")
    assert v["alert_cleared"] is True


def test_stale_or_future_timestamp_refused(d, fake):
    """A validly signed message is a replay once it is over an hour old; one far ahead of the
    clock is refused too. Both before any certificate is fetched; nothing is stored."""
    for offset, what in ((-2 * 3600, "old"), (-3601, "old"), (600, "ahead")):
        env = notification(fake, version="2", timestamp=ts(offset))
        r = sns_post(d, env)
        assert r.status == 400, (offset, r)
        assert r.json["error"].startswith("field 'Timestamp' is more than"), r.json
        assert what in r.json["error"], r.json
    assert d.incidents() == []
    assert not [g for g in fake.gets if g.endswith(".pem")]
    # within the hour (and a little clock skew ahead) it is accepted
    r = sns_post(d, notification(fake, version="2", timestamp=ts(-3000)))
    assert r.status == 202 and r.json["accepted"] == 1, r
    r = sns_post(d, notification(fake, version="2", timestamp=ts(60), message=alarm("Other")))
    assert r.status == 202 and r.json["accepted"] == 1, r


def test_tampered_message_refused(d, fake):
    env = notification(fake, version="2")
    msg = json.loads(env["Message"])
    msg["AlarmName"] = "SomethingElse"
    env["Message"] = json.dumps(msg)
    r = sns_post(d, env)
    assert r.status == 403, r
    assert r.json and r.json.get("error"), r
    v1 = notification(fake, version="1")
    v1["Signature"] = base64.b64encode(b"\0" * 256).decode()
    assert sns_post(d, v1).status == 403
    assert d.incidents() == []


def test_unknown_topic_refused(d, fake):
    r = sns_post(d, notification(fake, topic=OTHER_TOPIC))
    assert r.status == 403, r
    assert r.json and "topic" in r.json.get("error", ""), r
    assert d.incidents() == []


def test_cert_url_host_not_allowed(d, fake):
    env = notification(fake)
    env["SigningCertURL"] = "https://sns.evil.example.com/SimpleNotificationService-test.pem"
    r = sns_post(d, env)
    assert 400 <= r.status < 500, r
    assert d.incidents() == []
    # the daemon did not go fetching a certificate from anywhere else
    assert not [g for g in fake.gets if g.endswith(".pem")]
