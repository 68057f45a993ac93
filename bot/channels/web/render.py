"""Neutral replies as the web page's frames. Every text is escaped here, once: the
page puts ``html`` in place as markup and everything else (labels, names) as text."""

from __future__ import annotations

import html
import json
from typing import Any

from bot.rich import Rich, Style

_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}


def to_web_html(rich: Rich) -> str:
    """Markup with every character of the text escaped (quotes too); line breaks stay
    line breaks (the page shows them with ``white-space: pre-wrap``)."""
    out = []
    for span in rich.spans:
        text = html.escape(span.text, quote=True)
        tag = _TAGS.get(span.style)
        out.append(f"<{tag}>{text}</{tag}>" if tag and text else text)
    return "".join(out)


def safe_json_for_script(data: Any) -> str:
    """JSON to embed in a ``<script>``: no ``</script>`` or ``<!--`` can close it."""
    return (json.dumps(data, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
