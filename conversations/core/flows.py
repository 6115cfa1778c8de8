"""A dialogue's states and transitions declared as data, so the code can check every
move against them and a test can draw them (Mermaid) beside the code.

    FLOW.move("name", "cells")   # 'cells'; a move that is not declared raises FlowError
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

START = END = "[*]"


class FlowError(RuntimeError):
    """The code tried a move its flow does not declare (a programming error)."""


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    on: str              # what makes it happen, for the diagram


@dataclass(frozen=True)
class Flow:
    title: str
    states: Mapping[str, str]          # state -> what it accepts, for the diagram
    transitions: tuple[Transition, ...]

    def __post_init__(self) -> None:
        known = {*self.states, START}
        for t in self.transitions:
            if t.source not in known or t.target not in {*known, END}:
                raise FlowError(f"{self.title}: {t.source} → {t.target} names no state")

    def move(self, source: str | None, target: str) -> str:
        """`target`, if the flow goes there from `source` (None: from the start)."""
        source = START if source is None else source
        if not any(t.source == source and t.target == target for t in self.transitions):
            raise FlowError(f"{self.title}: no move from {source} to {target}")
        return target

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2"]
        lines += [f"    {state}: {state} ({accepts})" for state, accepts in self.states.items()]
        lines += [f"    {t.source} --> {t.target}: {t.on}" for t in self.transitions]
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        """The .md beside the code: written from here, compared by a test."""
        return (f"# {self.title}\n\nGenerated from the flow declared in the code; a test "
                f"checks this file matches it.\n\n```mermaid\n{self.mermaid()}```\n")
