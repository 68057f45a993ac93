"""Channel-neutral formatted text.

Handlers build replies from spans (plain, bold, italic, code) instead of writing
HTML or Markdown, so escaping is done once, by the renderer of each channel:
Telegram gets HTML with every value escaped, Zalo and the terminal get plain text.
A reply can never carry markup smuggled in through a unit name or a user's text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = Style.PLAIN


@dataclass(frozen=True)
class Rich:
    spans: tuple[Span, ...] = ()

    def __add__(self, other: Rich | str) -> Rich:
        other_rich = plain(other) if isinstance(other, str) else other
        return Rich(self.spans + other_rich.spans)

    def __radd__(self, other: str) -> Rich:
        return plain(other) + self

    def __bool__(self) -> bool:
        return any(span.text for span in self.spans)

    @property
    def text(self) -> str:
        """The text without any formatting."""
        return "".join(span.text for span in self.spans)


def plain(text: str) -> Rich:
    return Rich((Span(text),))


def bold(text: str) -> Rich:
    return Rich((Span(text, Style.BOLD),))


def italic(text: str) -> Rich:
    return Rich((Span(text, Style.ITALIC),))


def code(text: str) -> Rich:
    return Rich((Span(text, Style.CODE),))


def join(parts: Iterable[Rich | str], separator: str = "\n") -> Rich:
    # One tuple at the end: adding part by part copied the spans so far each time, and
    # a report listing 1,000 units spent seconds there.
    between = plain(separator).spans
    spans: list[Span] = []
    for index, part in enumerate(parts):
        if index:
            spans.extend(between)
        spans.extend((plain(part) if isinstance(part, str) else part).spans)
    return Rich(tuple(spans))


_HTML_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}


def to_html(rich: Rich) -> str:
    """Telegram HTML. Tags never span a line break, so splitting a long message on
    line boundaries can never cut a tag in two."""
    out = []
    for span in rich.spans:
        tag = _HTML_TAGS.get(span.style)
        lines = span.text.split("\n")
        rendered = [
            f"<{tag}>{html.escape(line, quote=False)}</{tag}>" if tag and line
            else html.escape(line, quote=False)
            for line in lines
        ]
        out.append("\n".join(rendered))
    return "".join(out)


def to_plain(rich: Rich) -> str:
    return rich.text


def split_lines(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters on line boundaries;
    a single longer line is cut hard (it has no better place to break)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
