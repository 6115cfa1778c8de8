"""The campaign and broadcast drafts' diagrams are drawn from the flows the code moves by,
so they cannot drift; a move the flow does not declare fails where it is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.broadcasts import dialogue as broadcasts
from conversations.campaigns import dialogue as campaigns
from conversations.core.flows import END, START, Flow, FlowError, Transition


@pytest.mark.parametrize("module", [campaigns, broadcasts])
def test_the_diagram_beside_the_code_is_drawn_from_its_flow(module):
    beside = Path(module.__file__).with_suffix(".md")
    assert beside.read_text(encoding="utf-8") == module.FLOW.markdown(), (
        f"regenerate {beside.name} from {module.__name__}.FLOW.markdown()")


def test_every_state_is_reachable_and_can_end():
    for flow in (campaigns.FLOW, broadcasts.FLOW):
        targets = {t.target for t in flow.transitions}
        sources = {t.source for t in flow.transitions}
        assert set(flow.states) <= targets and set(flow.states) <= sources
        assert START in sources and END in targets


def test_an_undeclared_move_fails_where_it_is_made():
    with pytest.raises(FlowError, match="name to confirm"):
        campaigns.FLOW.move("name", "confirm")
    assert broadcasts.FLOW.move("cells", "audience") == "audience"
    with pytest.raises(FlowError, match="names no state"):
        Flow("broken", {"a": "text"}, (Transition("a", "b", "typo"),))


def test_mermaid_rendering():
    flow = Flow("t", {"a": "typed text"}, (Transition(START, "a", "go"),
                                           Transition("a", END, "done")))
    assert flow.mermaid() == ("stateDiagram-v2\n    a: a (typed text)\n"
                              "    [*] --> a: go\n    a --> [*]: done\n")
