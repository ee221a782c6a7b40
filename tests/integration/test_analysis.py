"""Analysis and memory end to end: the text-search suggestion when no rule fires, similar
incidents on the card and in the thread, history raising confidence and failures raising risk,
the optional LLM pass against a fake OpenAI-compatible server (card first, then updated; every
guardrail and failure falls back to the rule-based analysis), and the stats."""
import json
import re

import pytest

from conftest import am_alert
from fake_llm import FakeLLM

RUNBOOKS = {
    "restart.yaml": """\
id: restart-api
title: Restart the api service
description: |
  Restarts a wedged api service when its health check fails.
match:
  - labels: {alertname: ApiDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
  mode: {pattern: '^(soft|hard)$', default: soft}
risk: low
blast_radius: 1
cost: {usd: 0}
idempotent: true
diagnostics:
  - {name: status, exec: [/bin/echo, "diag-marker: {{service}} is wedged"], timeout: 10s}
steps:
  - {name: restart, exec: [/bin/echo, "restart {{service}} {{mode}}"], timeout: 10s}
""",
    "disk.yaml": """\
id: free-disk
title: Free disk space on a full volume
description: |
  Deletes rotated logs when disk usage on a volume is nearly full.
match:
  - labels: {alertname: DiskFull}
params:
  path: {from: labels.mountpoint, pattern: '^/[a-z0-9/_-]{0,64}$', required: true}
risk: medium
blast_radius: 1
cost: {usd: 0}
idempotent: true
steps:
  - {name: clean, exec: [/bin/echo, "clean {{path}}"], timeout: 10s}
""",
}

FLAKY = """\
id: restart-api
title: Restart the api service
match:
  - labels: {alertname: ApiDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: low
cost: {usd: 0}
idempotent: true
steps:
  - {name: restart, exec: ["@PY@", "-c", "import sys; sys.exit(3)"], timeout: 10s}
"""

KEY = "sk-test-secret-0123456789"


def api_down(service="api", instance="web-1"):
    return am_alert("ApiDown", labels={"service": service, "instance": instance,
                                       "severity": "warning"},
                    annotations={"summary": "%s is down" % service})


@pytest.fixture
def llm():
    f = FakeLLM()
    yield f
    f.close()


def llm_env(llm, **extra):
    env = {"LLM_API_URL": llm.url, "LLM_API_KEY": KEY, "LLM_MODEL": "fake-model",
           "LLM_USD_PER_1K_INPUT": "0.5", "LLM_USD_PER_1K_OUTPUT": "1.5"}
    env.update(extra)
    return env


def timeline(v, kind):
    return [t["message"] for t in v["timeline"] if t["kind"] == kind]


# ---------------------------------------------------------------- no LLM

def test_search_suggestion_when_no_rule_fires(healer):
    d = healer(runbooks=RUNBOOKS)
    d.alert(am_alert("VolumeAlmostFull", labels={"mountpoint": "/var", "severity": "warning"},
                     annotations={"summary": "disk usage above 95 percent"}))
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["analysis_source"] == "search"
    assert v["action"]["runbook"] == "free-disk"
    assert v["action"]["params"]["path"] == "/var"
    assert v["analysis"].startswith("Suggested by text search, no match rule fired: runbook "
                                    "free-disk shares the words "), v["analysis"]
    words = re.search(r"shares the words (.*) with this alert", v["analysis"]).group(1)
    assert set(words.split(", ")) == {"disk", "usage"}, words
    assert v["confidence"] == pytest.approx(0.3)
    # a suggestion never runs by itself, and low confidence costs risk points
    assert v["action"]["autopilot"] is False
    assert "+15 confidence 0.30 < 0.50" in v["action"]["risk_reasons"], v["action"]
    d.read_until(r"text-search suggestion")


def test_nothing_scores_needs_attention(healer):
    d = healer(runbooks=RUNBOOKS)
    d.alert(am_alert("CertExpiring", labels={"domain": "example.org", "severity": "warning"}))
    v = d.wait_state("INC-1", "needs_attention")
    assert v["action"] is None
    assert "text search found no runbook sharing a word with this alert" in v["attention"], v
    assert v["similar"] == []


def test_similar_incidents_and_history(healer):
    d = healer(runbooks=RUNBOOKS)
    d.alert(api_down(instance="web-1"))
    v1 = d.wait_state("INC-1", "resolved")
    assert v1["similar"] == []
    assert v1["analysis_source"] == "rules"
    assert v1["confidence"] == pytest.approx(0.9)
    # an unrelated incident in between must not outrank the same alert
    d.alert(am_alert("DiskFull", labels={"mountpoint": "/data", "severity": "warning"}))
    d.wait_state("INC-2", "awaiting_approval")
    d.alert(api_down(instance="web-2"))
    v3 = d.wait_state("INC-3", "resolved")
    sim = v3["similar"]
    assert [s["key"] for s in sim][0] == "INC-1", sim
    first = sim[0]
    assert first["state"] == "resolved" and first["runbook"] == "restart-api"
    assert first["same_resource"] is True and isinstance(first["resolve_s"], (int, float))
    assert first["outcome"].startswith("Done (runbook has no verification)"), first
    # history: one success of restart-api for this alert raises the rule's confidence
    assert v3["confidence"] == pytest.approx(0.95)
    assert ("History: restart-api resolved this alert 1 time in the last 90 days "
            "(confidence +0.05)") in v3["analysis"], v3["analysis"]
    # the thread and the card show them
    d.read_until(r"INC-3: Similar past incidents: INC-1 resolved with restart-api in \d+ ms "
                 r"\(same resource\): Done")
    d.read_until(r"similar incidents")
    d.alert(api_down(instance="web-3"))
    v4 = d.wait_state("INC-4", "resolved")
    assert v4["confidence"] == pytest.approx(0.99)  # 0.9 + 2 × 0.05, capped
    assert [s["key"] for s in v4["similar"]][:2] == ["INC-3", "INC-1"] or \
        [s["key"] for s in v4["similar"]][:2] == ["INC-1", "INC-3"], v4["similar"]


def test_recent_failure_raises_risk(healer):
    d = healer(runbooks={"restart.yaml": FLAKY})
    d.alert(api_down(instance="web-1"))
    v = d.wait_state("INC-1", "failed")
    assert v["action"]["risk_score"] == 10
    d.alert(api_down(instance="web-2"))
    v = d.wait_state("INC-2", "failed")
    assert v["action"]["risk_reasons"] == ["+10 runbook risk low",
                                           "+10 failed 1 time on this resource in 7 days"], \
        v["action"]["risk_reasons"]
    assert v["action"]["risk_score"] == 20


def test_stats_cli_chat_and_metrics(healer):
    d = healer(runbooks=RUNBOOKS, user="root")
    d.alert(api_down(instance="web-1"))
    d.wait_state("INC-1", "resolved")
    d.alert(api_down(service="billing", instance="web-9"))
    d.wait_state("INC-2", "resolved")
    d.alert(am_alert("DiskFull", labels={"mountpoint": "/data", "severity": "critical"}))
    d.wait_state("INC-3", "awaiting_approval")
    d.send("reject INC-3 the disk is fine, it is a reporting bug")
    d.wait_state("INC-3", "rejected")
    s = d.cli_json("stats", "7d", "--json")
    assert s["window"] == "7d"
    assert s["incidents"] == 3
    assert s["by_source"] == {"alertmanager": 3}
    assert s["by_severity"] == {"sev1": 1, "sev3": 2}
    assert s["by_state"] == {"resolved": 2, "rejected": 1}
    assert s["time_to_resolve_s"]["count"] == 2
    assert s["time_to_acknowledge_s"]["count"] == 3  # two autopilot runs, one rejection
    a = s["actions"]
    assert (a["ran"], a["autopilot"], a["autopilot_succeeded"], a["rejected"]) == (2, 2, 2, 1)
    assert a["autopilot_share"] == 1 and a["autopilot_success_rate"] == 1
    assert a["false_positive_rate"] == 1
    assert s["noisiest_alerts"][0] == {"alert": "ApiDown", "occurrences": 2, "incidents": 2}
    text = d.cli("stats").stdout
    assert "Time to resolve:" in text and "Rejected proposals:   1 of 1" in text, text
    assert d.cli("stats", "1y", check=False).returncode == 2
    d.send("stats 30d")
    d.read_until(r"Stats for the last 30d")
    d.read_until(r"Autopilot: +2 of 2 runs \(100%\)")
    m = d.get("/metrics").text
    assert 'healer_time_to_resolve_seconds_bucket{le="+Inf"} 2' in m, m
    assert "# TYPE healer_time_to_resolve_seconds histogram" in m
    assert 'healer_stats_actions{kind="rejected"} 1' in m
    assert 'healer_stats_incidents_by_source{source="alertmanager"} 3' in m
    assert 'healer_stats_noisiest_alert_occurrences{alert="ApiDown"} 2' in m


# ---------------------------------------------------------------- LLM

ANSWER = {"summary": "The api worker pool is wedged.",
          "root_cause": "the status diagnostic says it is wedged",
          "runbook": "restart-api", "params": [{"name": "mode", "value": "hard"}],
          "confidence": 0.92}


def test_llm_card_first_then_updated(healer, llm):
    llm.hold()
    llm.answer(ANSWER)
    d = healer(runbooks=RUNBOOKS, **llm_env(llm))
    d.alert(api_down())
    # the rule-based proposal is on the card while the model thinks
    v = d.wait_for(lambda: (lambda x: x if x.get("llm") and x["llm"]["status"] == "pending"
                            and llm.calls() else None)(d.view("INC-1")), "LLM call pending")
    assert v["state"] == "open"
    assert v["analysis_source"] == "rules"
    assert v["action"]["runbook"] == "restart-api" and v["action"]["params"]["mode"] == "soft"
    assert v["step_runs"][0]["phase"] == "diagnostic" and v["step_runs"][0]["status"] == "ok"
    d.read_until(r"LLM: +fake-model is analysing; the decision waits for it")
    path, headers, body = llm.calls()[0]
    assert path == "/v1/chat/completions"
    assert headers["authorization"] == "Bearer " + KEY
    assert body["model"] == "fake-model" and body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["summary", "root_cause", "runbook", "params", "confidence"]
    user = body["messages"][1]["content"]
    ctx = json.loads(user.split("\n", 1)[1])
    assert ctx["diagnostics"][0]["output"].startswith("diag-marker: api is wedged")
    assert [c["id"] for c in ctx["candidates"]] == ["restart-api"]
    assert {"name": "mode", "pattern": "^(soft|hard)$", "required": False} in \
        ctx["candidates"][0]["params"]
    assert ctx["labels"]["alertname"] == "ApiDown"
    llm.release()
    v = d.wait_state("INC-1", "resolved")
    assert v["analysis_source"] == "llm"
    assert v["analysis"].startswith("The api worker pool is wedged.\nProbable cause: the "
                                    "status diagnostic says it is wedged"), v["analysis"]
    assert v["confidence"] == pytest.approx(0.92)
    assert v["action"]["params"]["mode"] == "hard" and v["action"]["autopilot"] is True
    assert v["llm"] == {"model": "fake-model", "status": "ok", "error": None,
                        "prompt_tokens": 1200, "completion_tokens": 80,
                        "cost_usd": pytest.approx(0.72)}
    assert any("its choice was adopted" in m for m in timeline(v, "analysis.llm"))
    d.read_until(r"Analysis:  LLM analysis, confidence 0\.92")
    d.read_until(r"LLM: +fake-model, 1200\+80 tokens, \$0\.7200")
    m = d.get("/metrics").text
    assert 'healer_llm_tokens_total{kind="prompt"} 1200' in m, m
    assert "healer_llm_cost_usd_total 0.72" in m
    assert 'healer_llm_requests_total{result="ok"} 1' in m
    assert KEY not in d.log_tail(2000)


BAD = [
    ("unknown runbook", lambda f: f.answer(dict(ANSWER, runbook="wipe-disks")), "discarded",
     "runbook 'wipe-disks' is not one of the candidates (restart-api)"),
    ("injected value", lambda f: f.answer(dict(ANSWER, params=[
        {"name": "service", "value": "api; rm -rf /"}])), "discarded",
     "runbook restart-api: parameter 'service': value does not match ^[a-z0-9-]{1,32}$"),
    ("injected parameter", lambda f: f.answer(dict(ANSWER, params=[
        {"name": "command", "value": "rm -rf /"}])), "discarded",
     "runbook restart-api: unknown parameter 'command' (this runbook takes: service, mode)"),
    ("commands in the answer", lambda f: f.answer(dict(ANSWER, command="rm -rf /")),
     "malformed", "answer has an unexpected field 'command'"),
    ("broken JSON", lambda f: f.content('{"summary": "half'), "malformed",
     "the answer is not a JSON object"),
    ("429", lambda f: f.status(429, {"error": {"message": "Rate limit reached"}}),
     "rate_limited", "HTTP 429 (rate limited): Rate limit reached"),
    ("503", lambda f: f.status(503), "http_error", "HTTP 503: busy"),
    ("refusal", lambda f: f.refuse("I can't help with that."), "refused",
     "the model refused: I can't help with that."),
    ("timeout", lambda f: f.delay(4), "timeout", "timed out"),
]


@pytest.mark.parametrize("name,setup,status,why", BAD, ids=[b[0] for b in BAD])
def test_llm_failures_fall_back_to_rules(healer, llm, name, setup, status, why):
    setup(llm)
    d = healer(runbooks=RUNBOOKS, **llm_env(llm, LLM_TIMEOUT="1s"))
    d.alert(api_down())
    v = d.wait_state("INC-1", "resolved", timeout=30)
    # the rule-based analysis stands, and ran on autopilot as it would without a model
    assert v["analysis_source"] == "rules"
    assert v["analysis"].startswith("Matched runbook restart-api by rule {alertname=ApiDown}")
    assert "LLM analysis not used (%s: " % status in v["analysis"], v["analysis"]
    assert v["action"]["params"]["mode"] == "soft" and v["action"]["autopilot"] is True
    assert v["llm"]["status"] == status
    assert why in v["llm"]["error"], v["llm"]
    assert any(("LLM answer not used (%s)" % status) in m for m in timeline(v, "analysis.llm"))
    assert re.search(r"LLM analysis not used \(%s\): " % status, d.log_tail(400))
    d.read_until(r"LLM: +fake-model, \d+\+\d+ tokens, \$[0-9.]+, not used \(%s\)" % status)


def test_llm_low_confidence_cannot_autopilot(healer, llm):
    llm.answer(dict(ANSWER, confidence=0.6))
    d = healer(runbooks=RUNBOOKS, **llm_env(llm))
    d.alert(api_down())
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["analysis_source"] == "llm" and v["confidence"] == pytest.approx(0.6)
    assert v["action"]["autopilot"] is False
    assert "confidence 0.60" in v["action"]["decision_reason"], v["action"]["decision_reason"]
    assert "+5 confidence 0.60 < 0.80" in v["action"]["risk_reasons"]
    # the superseded rule-based proposal is cancelled, not left proposed
    assert v["action"]["params"]["mode"] == "hard"


def test_llm_none_fits_keeps_rules(healer, llm):
    llm.answer(dict(ANSWER, runbook=None, params=[], confidence=0.7))
    d = healer(runbooks=RUNBOOKS, **llm_env(llm))
    d.alert(api_down())
    v = d.wait_state("INC-1", "resolved")
    assert v["analysis_source"] == "rules" and v["confidence"] == pytest.approx(0.9)
    assert ("Model fake-model found no candidate runbook that fits; the proposal above stands"
            in v["analysis"]), v["analysis"]
    assert v["llm"]["status"] == "ok"


def test_llm_without_structured_output(healer, llm):
    llm.reject_schema()
    llm.answer(ANSWER)
    d = healer(runbooks=RUNBOOKS, **llm_env(llm))
    d.alert(api_down())
    v = d.wait_state("INC-1", "resolved")
    assert v["analysis_source"] == "llm"
    kinds = [c[2]["response_format"]["type"] for c in llm.calls()]
    assert kinds == ["json_schema", "json_object"], kinds


def test_llm_not_asked_for_a_human_request(healer, llm):
    d = healer(runbooks=RUNBOOKS, user="root", **llm_env(llm))
    d.send("run restart-api service=api")
    v = d.wait_state("INC-1", "resolved")
    assert v["analysis_source"] == "request" and v["llm"] is None
    assert llm.calls() == []


def test_llm_cut_by_restart_decides_on_rules(healer, llm):
    llm.hold()
    llm.answer(ANSWER)
    d = healer(runbooks=RUNBOOKS, **llm_env(llm))
    d.alert(api_down())
    d.wait_for(llm.calls, "the LLM call")
    d.kill9()
    llm.release()  # nobody is listening any more
    d.start()
    v = d.wait_state("INC-1", "resolved")
    # recovery decides the proposal on the card, as if there were no model
    assert v["analysis_source"] == "rules" and v["action"]["params"]["mode"] == "soft"
    assert v["llm"]["status"] == "interrupted"
    assert len(llm.calls()) == 1
