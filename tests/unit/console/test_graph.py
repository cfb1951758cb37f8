"""The layered layout from the ASL: every state placed once, transitions in order top to bottom, Parallel
and Map states drawn as groups around their branches, no box overlapping another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from familyplus.catalog import WORKFLOWS
from familyplus_local.console.graph import Layout, Node, layout, workflow_layout
from familyplus_local.console.svg import render

STATEMACHINES = Path(__file__).resolve().parents[3] / "statemachines"


def overlaps(a: Node, b: Node) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def check_scope(scope: Layout) -> None:
    nodes = list(scope.nodes.values())
    for i, a in enumerate(nodes):
        assert a.x >= 0 and a.x + a.w <= scope.width + 0.01 and a.y + a.h <= scope.height + 0.01, a.name
        for b in nodes[i + 1 :]:
            assert not overlaps(a, b), (a.name, b.name)
        for group in a.groups:
            assert group.x >= 0 and group.x + group.width <= a.w + 0.01 and group.y + group.height <= a.h
            check_scope(group)


@pytest.mark.parametrize("workflow", [wf.name for wf in WORKFLOWS])
def test_every_workflow_lays_out_without_overlaps(workflow: str) -> None:
    definition = json.loads((STATEMACHINES / f"{workflow}.asl.json").read_text())
    placed = workflow_layout(definition)
    check_scope(placed)
    names = {node.name for node in placed.all_nodes()}
    assert set(definition["States"]) <= names
    for edge in placed.edges:
        assert len(edge.points) >= 2, (edge.source, edge.target)


def test_process_response_groups_and_order() -> None:
    definition = json.loads((STATEMACHINES / "process_response.asl.json").read_text())
    placed = workflow_layout(definition)
    analyze = placed.nodes["Analyze"]
    assert [set(g.nodes) for g in analyze.groups] == [{"Embed"}, {"TagValues"}, {"ExtractWisdom"}]
    assert set(placed.nodes["TranscribeChunks"].groups[0].nodes) == {"TranscribeChunkInMap"}
    top = {name: node.y for name, node in placed.nodes.items()}
    assert top["AcceptResponse"] < top["IsRecording"] < top["Analyze"] < top["WriteStory"] < top["MarkFailed"]
    catches = [e for e in placed.edges if e.kind == "catch"]
    assert catches and all(e.target == "MarkFailed" for e in catches)


def test_loops_do_not_break_layering() -> None:
    states = {
        "Poll": {"Type": "Task", "Resource": "x", "Next": "Ready?"},
        "Ready?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Done"}],
            "Default": "Wait",
        },
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Poll"},
        "Done": {"Type": "Succeed"},
    }
    placed = layout(states, "Poll")
    assert placed.nodes["Poll"].y < placed.nodes["Ready?"].y < placed.nodes["Done"].y
    check_scope(placed)


def test_svg_carries_each_states_outcome_and_escapes_names() -> None:
    states = {"A<b>": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Succeed"}}
    svg = render(layout(states, "A<b>"), {"A<b>": "caught"})
    assert 'data-state="A&lt;b&gt;" data-outcome="caught"' in svg
    assert 'data-state="C" data-outcome="not reached"' in svg
    assert "<b>" not in svg
