"""Versioned prompt templates (`prompts/<name>.v<N>.txt`).

A template has a `[system]` and a `[user]` section and `$placeholders` (string.Template). The version is
part of the template's file name and of the provider-call cache key, so changing a prompt means adding
`<name>.v2.txt`: answers cached for v1 are never served for v2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.M)


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


@dataclass(frozen=True)
class PromptTemplate:
    #: e.g. "tag_values.v1": the file name without ".txt"; part of the cache key.
    version: str
    system: Template
    user: Template

    def render(self, **values: str) -> Prompt:
        """Fill every placeholder; a missing value is a programming error (KeyError names it)."""
        return Prompt(system=self.system.substitute(values).strip(), user=self.user.substitute(values).strip())


@cache
def load(version: str) -> PromptTemplate:
    text = resources.files("familyplus.adapters.cloud").joinpath("prompts", f"{version}.txt").read_text("utf-8")
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    if set(sections) != {"system", "user"}:
        raise ValueError(f"prompt {version}: needs exactly one [system] and one [user] section")
    return PromptTemplate(version=version, system=Template(sections["system"]), user=Template(sections["user"]))


def quote_untrusted(text: str, tag: str = "response") -> str:
    """A family member's words, fenced so that they read as data, never as instructions to the model."""
    return text.replace(f"</{tag}>", f"</ {tag}>")
