"""Telegram's HTML parse mode, strict enough to catch what Telegram refuses.

Telegram accepts a small tag set, needs every literal ``<`` escaped and every tag
closed in order; ``>`` and a bare ``&`` may stay literal. Parsing yields the text as the
user sees it and its entities (offsets in UTF-16 code units, as in the Bot API), so the
fake can count the length after entity parsing and tell whether an edit changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlParseError(ValueError):
    """The text is not HTML Telegram accepts; ``str()`` is Telegram's description."""


@dataclass(frozen=True)
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    tag: str
    entity: dict[str, Any]
    start: int


class _TelegramHtmlParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0]
        self._line_starts += [i + 1 for i, char in enumerate(source) if char == "\n"]
        self._chunks: list[str] = []
        self._offset = 0  # UTF-16 length of the text so far
        self._open: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    @property
    def text(self) -> str:
        return "".join(self._chunks)

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        position = self._line_starts[line - 1] + column
        return len(self._source[:position].encode())

    def _fail(self, description: str) -> HtmlParseError:
        return HtmlParseError(f"Bad Request: can't parse entities: {description}")

    def _unsupported(self, tag: str) -> HtmlParseError:
        return self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def _append(self, text: str) -> None:
        self._chunks.append(text)
        self._offset += utf16_length(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        entity_type = _ENTITY_TYPES.get(tag)
        if entity_type is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            raise self._unsupported(tag)
        entity: dict[str, Any] = {"type": entity_type}
        if tag == "a":
            entity["url"] = attributes.get("href") or ""
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self._open and self._open[-1].tag == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self._open[-1].entity["language"] = language
            entity = {}
        self._open.append(_OpenTag(tag, entity, self._offset))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise self._unsupported(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            raise self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        expected = self._open[-1].tag
        if tag != expected:
            raise self._fail(
                f'Unmatched end tag at byte offset {self._byte_offset()}, '
                f'expected "</{expected}>", found "</{tag}>"'
            )
        closed = self._open.pop()
        length = self._offset - closed.start
        if closed.entity and length > 0:
            self.entities.append({**closed.entity, "offset": closed.start, "length": length})

    def handle_data(self, data: str) -> None:
        if "<" in data:
            # html.parser passes a "<" that starts no tag through as text.
            raise self._unsupported("")
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        self._append(_NAMED_ENTITIES.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self._append(chr(code))
        except ValueError:
            self._append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        raise self._unsupported("!--")

    def handle_decl(self, decl: str) -> None:
        raise self._unsupported("!")

    def handle_pi(self, data: str) -> None:
        raise self._unsupported("?")

    def unknown_decl(self, data: str) -> None:
        raise self._unsupported("!")

    def finish(self) -> None:
        self.close()
        if self._open:
            tag = self._open[-1].tag
            raise self._fail(f'Can\'t find end tag corresponding to start tag "{tag}"')


def parse_html(source: str) -> ParsedText:
    """Text and entities of a message sent with ``parse_mode=HTML``.

    Raises HtmlParseError with Telegram's description when Telegram would refuse it.
    """
    parser = _TelegramHtmlParser(source)
    parser.feed(source)
    parser.finish()
    entities = sorted(parser.entities, key=lambda entity: (entity["offset"], -entity["length"]))
    return ParsedText(parser.text, entities)


def parse_text(text: str, parse_mode: str | None, entities: Any = None) -> ParsedText:
    """Text and entities after entity parsing, for any parse mode.

    Markdown modes are not checked: the bot sends HTML only.
    """
    if parse_mode is not None and parse_mode.upper() == "HTML":
        return parse_html(text)
    return ParsedText(text, list(entities) if isinstance(entities, list) else [])
