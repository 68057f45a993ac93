"""Splitting "/due@NhacViecBot 8/2023" into a command name and its arguments."""

from __future__ import annotations

from dataclasses import dataclass

MAX_COMMAND_LENGTH = 32


@dataclass(frozen=True)
class Command:
    name: str  # lower case, without "/" and without "@botname"
    args: str


def parse_command(text: str) -> Command | None:
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, args = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name or len(name) > MAX_COMMAND_LENGTH or not name.replace("_", "").isalnum():
        return None
    return Command(name, args.strip())
