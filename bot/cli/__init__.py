"""The ``nhacviec`` shell commands, one module per area; ``bot/__main__.py`` wires them."""

from __future__ import annotations

from datetime import date

from bot.app import App


class CommandError(Exception):
    """A user mistake on the command line: printed, exit status 1."""


def find_unit(app: App, name: str, *, as_written: bool = False) -> str:
    """The unit a name or abbreviation designates — today's unit, or with
    ``as_written`` the one named even if it was merged since — or a helpful error."""
    found = app.services.find_unit(name) if as_written else app.services.resolve_unit(name)
    if found is None:
        suggestions = ", ".join(m.name for m in app.services.rank_units(name, limit=3))
        hint = f" Did you mean: {suggestions}?" if suggestions else ""
        raise CommandError(f"No unit matches {name!r}.{hint}")
    return found


def today_arg(app: App, text: str | None) -> date:
    """``--today YYYY-MM-DD``, or the province's today."""
    if text is None:
        return app.clock().astimezone(app.settings.timezone).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today must be YYYY-MM-DD, got {text!r}") from None
