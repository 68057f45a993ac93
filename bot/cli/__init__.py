"""The ``nhacviec`` shell commands, one module per area; ``bot/__main__.py`` wires them."""

from __future__ import annotations

from bot.app import App


class CommandError(Exception):
    """A user mistake on the command line: printed, exit status 1."""


def find_unit(app: App, name: str) -> str:
    """The unit a name or abbreviation designates, or a helpful error."""
    found = app.services.resolve_unit(name)
    if found is None:
        suggestions = ", ".join(m.name for m in app.services.rank_units(name, limit=3))
        hint = f" Did you mean: {suggestions}?" if suggestions else ""
        raise CommandError(f"No unit matches {name!r}.{hint}")
    return found
