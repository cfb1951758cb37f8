"""A workflow graph laid out from its ASL: states as boxes in layers, transitions as edges, Parallel and Map
states as groups holding their branches / item processor.

Why our own small layered layout rather than a library: our workflows are nearly linear (a handful of
Choices, a Catch on every Task into one MarkFailed), so longest-path layering gives the Step Functions
console's top-to-bottom picture; a library would mean Graphviz (a system binary, and no nested groups
without clusters that reorder freely) or a JavaScript bundle (dagre/ELK) to vendor and keep up to date. This
module is plain data (boxes and polylines), so it is tested without a browser and rendered by `svg.py`.

Edges: `next` (Next, Choice rules, Default) between adjacent layers are straight; a `next` edge that skips
layers is routed down a lane on the left; `catch` edges down lanes on the right, so no edge crosses a box.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NODE_H = 36
MIN_NODE_W = 120
CHAR_W = 7.2
V_GAP = 44
H_GAP = 28
PAD = 14
HEADER = 24
LANE = 12

COMPOSITE = ("Parallel", "Map")


@dataclass
class Edge:
    source: str
    target: str
    kind: str  # "next" | "catch"
    label: str = ""
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Node:
    name: str
    type: str
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    groups: list[Layout] = field(default_factory=list)  # Parallel: one per branch; Map: the item processor
    group_labels: list[str] = field(default_factory=list)


@dataclass
class Layout:
    nodes: dict[str, Node]
    edges: list[Edge]
    width: float
    height: float
    start: str
    x: float = 0.0  # offset inside the enclosing group
    y: float = 0.0

    def all_nodes(self) -> list[Node]:
        """Every node, nested ones included (depth first)."""
        found: list[Node] = []
        for node in self.nodes.values():
            found.append(node)
            for group in node.groups:
                found.extend(group.all_nodes())
        return found


def _transitions(state: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, kind, label) of every way out of a state."""
    out: list[tuple[str, str, str]] = []
    for rule in state.get("Choices", []):
        if "Next" in rule:
            out.append((rule["Next"], "next", "rule"))
    if "Default" in state:
        out.append((state["Default"], "next", "default"))
    if "Next" in state:
        out.append((state["Next"], "next", ""))
    for catcher in state.get("Catch", []):
        if "Next" in catcher:
            out.append((catcher["Next"], "catch", ",".join(catcher.get("ErrorEquals", []))))
    return out


def _order(states: dict[str, Any], start: str) -> tuple[list[str], set[tuple[str, str]]]:
    """States in depth-first discovery order from StartAt (then any unreachable ones), and the back edges
    (loops) that layering must ignore."""
    seen: list[str] = []
    on_stack: set[str] = set()
    back: set[tuple[str, str]] = set()

    def visit(name: str) -> None:
        seen.append(name)
        on_stack.add(name)
        for target, _, _ in _transitions(states[name]):
            if target not in states:
                continue
            if target in on_stack:
                back.add((name, target))
            elif target not in seen:
                visit(target)
        on_stack.discard(name)

    if start in states:
        visit(start)
    for name in states:
        if name not in seen:
            visit(name)
    return seen, back


def _size(name: str, state: dict[str, Any]) -> Node:
    node = Node(name=name, type=state.get("Type", "?"))
    if node.type == "Parallel":
        node.groups = [layout(b.get("States", {}), b.get("StartAt", "")) for b in state.get("Branches", [])]
        node.group_labels = [f"branch {i}" for i in range(len(node.groups))]
    elif node.type == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        node.groups = [layout(processor.get("States", {}), processor.get("StartAt", ""))]
        mode = (processor.get("ProcessorConfig") or {}).get("Mode", "INLINE")
        node.group_labels = ["each item (distributed)" if mode == "DISTRIBUTED" else "each item"]
    label_w = max(MIN_NODE_W, CHAR_W * (len(name) + len(node.type) + 3) + 2 * PAD)
    if node.groups:
        inner_w = sum(g.width for g in node.groups) + H_GAP * (len(node.groups) - 1)
        node.w = max(label_w, inner_w + 2 * PAD)
        node.h = HEADER + max(g.height for g in node.groups) + 2 * PAD
        x = (node.w - inner_w) / 2
        for group in node.groups:
            group.x, group.y = x, HEADER + PAD
            x += group.width + H_GAP
    else:
        node.w, node.h = max(MIN_NODE_W, CHAR_W * len(name) + 2 * PAD), NODE_H
    return node


def layout(states: dict[str, Any], start: str) -> Layout:
    """Lay out one scope of states (a machine, a branch or an item processor)."""
    if not states:
        return Layout(nodes={}, edges=[], width=MIN_NODE_W, height=NODE_H, start=start)
    order, back = _order(states, start)
    nodes = {name: _size(name, states[name]) for name in order}
    edges = [
        Edge(name, target, kind, label)
        for name in order
        for target, kind, label in _transitions(states[name])
        if target in states
    ]

    # Longest-path layering over the acyclic part, in discovery (topological for a DAG) order.
    layer = dict.fromkeys(order, 0)
    preds: dict[str, list[str]] = {name: [] for name in order}
    for edge in edges:
        if (edge.source, edge.target) not in back:
            preds[edge.target].append(edge.source)
    changed = True
    while changed:  # converges in at most len(order) rounds on a DAG
        changed = False
        for name in order:
            depth = max((layer[p] + 1 for p in preds[name]), default=0)
            if depth > layer[name]:
                layer[name], changed = depth, True
    layers: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for name in order:
        layers[layer[name]].append(name)

    # One barycenter pass: a state sits under the mean position of its predecessors (fewer crossings).
    position = {name: float(i) for row in layers for i, name in enumerate(row)}
    for row in layers[1:]:
        row.sort(key=lambda n: sum(position[p] for p in preds[n]) / len(preds[n]) if preds[n] else position[n])
        for i, name in enumerate(row):
            position[name] = float(i)

    long_next = [e for e in edges if e.kind == "next" and abs(layer[e.target] - layer[e.source]) != 1]
    catches = [e for e in edges if e.kind == "catch"]
    left = LANE * (len(long_next) + 1) if long_next else 0.0
    right = LANE * (len(catches) + 1) if catches else 0.0
    row_widths = [sum(nodes[n].w for n in row) + H_GAP * (len(row) - 1) for row in layers]
    body = max(row_widths)
    width = left + body + right
    y = 0.0
    for row, row_w in zip(layers, row_widths, strict=True):
        x = left + (body - row_w) / 2
        height = max(nodes[n].h for n in row)
        for name in row:
            node = nodes[name]
            node.x, node.y = x, y + (height - node.h) / 2
            x += node.w + H_GAP
        y += height + V_GAP
    height = y - V_GAP

    for edge in edges:
        src, dst = nodes[edge.source], nodes[edge.target]
        if edge.kind == "next" and layer[dst.name] - layer[src.name] == 1:
            edge.points = [(src.x + src.w / 2, src.y + src.h), (dst.x + dst.w / 2, dst.y)]
    for i, edge in enumerate(long_next):
        src, dst = nodes[edge.source], nodes[edge.target]
        lane = left - LANE * (i + 1)
        edge.points = [(src.x, src.y + src.h / 2), (lane, src.y + src.h / 2), (lane, dst.y + 8), (dst.x, dst.y + 8)]
    for i, edge in enumerate(catches):
        src, dst = nodes[edge.source], nodes[edge.target]
        lane = left + body + LANE * (i + 1)
        end_y = dst.y + dst.h / 2 + (i % 5) * 3 - 6
        edge.points = [
            (src.x + src.w, src.y + src.h / 2),
            (lane, src.y + src.h / 2),
            (lane, end_y),
            (dst.x + dst.w, end_y),
        ]
    return Layout(nodes=nodes, edges=edges, width=width, height=height, start=start)


def workflow_layout(definition: dict[str, Any]) -> Layout:
    """The layout of a whole state machine definition (the parsed `.asl.json`)."""
    return layout(definition.get("States", {}), definition.get("StartAt", ""))
