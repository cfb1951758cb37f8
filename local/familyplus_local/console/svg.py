"""Render a workflow `Layout` as inline SVG, each state coloured by its outcome in one execution.

Every state is a `<g class="state" data-state=NAME data-outcome=OUTCOME>`: the page's script opens a state's
details on click, and the browser tests read the outcome from the same attribute the colour comes from.
"""

from __future__ import annotations

from html import escape

from familyplus_local.console.graph import HEADER, Layout, Node
from familyplus_local.state_outcomes import NOT_REACHED

_MARK = {"succeeded": "✓", "failed": "✗", "caught": "✗", "retried": "↻", "running": "…", "not reached": ""}
_ARROW = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#607d8b"/></marker>'
    '<marker id="arrow-catch" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#e57373"/></marker></defs>'
)


def _slug(outcome: str) -> str:
    return outcome.replace(" ", "-")


def _node(node: Node, outcomes: dict[str, str]) -> str:
    outcome = outcomes.get(node.name, NOT_REACHED)
    mark = _MARK.get(outcome, "")
    name = escape(node.name)
    title = f"{name} ({escape(node.type)}): {escape(outcome)}"
    parts = [
        f'<g class="state outcome-{_slug(outcome)}{" group" if node.groups else ""}" data-state="{name}" '
        f'data-outcome="{escape(outcome)}" data-type="{escape(node.type)}" tabindex="0" role="button" '
        f'transform="translate({node.x:.1f},{node.y:.1f})"><title>{title}</title>'
        f'<rect class="box" width="{node.w:.1f}" height="{node.h:.1f}" rx="6"/>'
    ]
    if node.groups:
        parts.append(
            f'<text class="label" x="10" y="{HEADER - 7}">{mark} {name} '
            f'<tspan class="kind">{escape(node.type)}</tspan></text>'
        )
        for group, label in zip(node.groups, node.group_labels, strict=True):
            parts.append(
                f'<g transform="translate({group.x:.1f},{group.y:.1f})">'
                f'<rect class="lane" x="-6" y="-6" width="{group.width + 12:.1f}" height="{group.height + 12:.1f}"'
                f' rx="4"/><text class="lane-label" x="-2" y="-9">{escape(label)}</text>'
                f"{_body(group, outcomes)}</g>"
            )
    else:
        parts.append(f'<text class="label" x="{node.w / 2:.1f}" y="{node.h / 2 + 4:.1f}">{mark} {name}</text>')
    parts.append("</g>")
    return "".join(parts)


def _body(layout: Layout, outcomes: dict[str, str]) -> str:
    edges = []
    for edge in layout.edges:
        if not edge.points:
            continue
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in edge.points)
        marker = "arrow-catch" if edge.kind == "catch" else "arrow"
        taken = outcomes.get(edge.source, NOT_REACHED) != NOT_REACHED and outcomes.get(edge.target, NOT_REACHED) != (
            NOT_REACHED
        )
        edges.append(
            f'<polyline class="edge {edge.kind}{" taken" if taken else ""}" points="{points}" '
            f'marker-end="url(#{marker})"><title>{escape(edge.source)} → {escape(edge.target)}'
            f"{(' (' + escape(edge.label) + ')') if edge.label else ''}</title></polyline>"
        )
    nodes = [_node(node, outcomes) for node in layout.nodes.values()]
    return "".join(edges) + "".join(nodes)


def render(layout: Layout, outcomes: dict[str, str]) -> str:
    """The graph as one `<svg>` element; `outcomes` maps state names to an outcome (absent: not reached)."""
    margin = 16
    width, height = layout.width + 2 * margin, layout.height + 2 * margin
    return (
        f'<svg class="workflow-graph" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">{_ARROW}'
        f'<g transform="translate({margin},{margin})">{_body(layout, outcomes)}</g></svg>'
    )
