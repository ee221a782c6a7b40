"""The model is held to the "no loop" rule too: during the re-analysis for a new probable
cause, a runbook it picks that was already proposed or run on the incident is not adopted;
the rules' proposal for the cause stands."""
import pytest

from fake_llm import FakeLLM
from test_analysis import llm_env
from test_correlate_cause import deploy, errors, flag_step, policy

# both runbooks fit the deploy: the rules take the rollback (its file sorts first), and the
# restart, which the errors got first, is a candidate the model may pick
ROLLBACK = """\
id: rollback-deploy
title: Roll the last deploy back
match:
  - labels: {alertname: "~^Deploy"}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: medium
steps:
  - %s
""" % flag_step("rollback", "rolled-back")
RESTART = """\
id: restart-svc
title: Restart the service
match:
  - labels: {namespace: shop}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: medium
steps:
  - %s
""" % flag_step("restart", "restarted")


@pytest.fixture
def llm():
    f = FakeLLM()
    yield f
    f.close()


def test_the_model_cannot_pick_a_runbook_tried_on_the_incident(healer, llm):
    d = healer(runbooks={"a-rollback.yaml": ROLLBACK, "b-restart.yaml": RESTART},
               policy=policy(), **llm_env(llm))
    d.alert(errors())
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["runbook"] == "restart-svc"
    first = v["action"]["id"]
    # the model will answer the cause's analysis with the runbook the errors got
    llm.answer({"summary": "The api is wedged.", "root_cause": "a stuck worker pool",
                "runbook": "restart-svc", "params": [], "confidence": 0.95})
    d.alert(deploy())
    v = d.wait_for(lambda: (lambda x: x if x["action"]["runbook"] == "rollback-deploy" and
                            x["llm"] and x["llm"]["status"] != "pending" and
                            x["state"] == "awaiting_approval" else None)(d.view("INC-1")),
                   "the model's answer for the cause handled")
    assert v["llm"]["status"] == "discarded", v["llm"]
    assert "it chose runbook restart-svc, which was already tried on this incident" in \
        v["llm"]["error"], v["llm"]
    assert v["action"]["params"]["service"] == "checkout"
    msgs = [t["message"] for t in v["timeline"] if t["kind"] == "analysis.llm"]
    assert msgs[-1].startswith("LLM answer not used (discarded): it chose runbook "
                               "restart-svc"), msgs
    acts = [a for a in d.cli_json("incidents", "show", "INC-1", "--json")["timeline"]
            if a["kind"] == "analysis.proposed"]
    assert len(acts) == 2, acts  # the errors' restart, then the deploy's rollback; no third
    assert v["action"]["id"] != first
