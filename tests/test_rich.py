"""Neutral formatted text: escaping happens once, in the renderer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.rich import bold, italic, join, plain, split_lines, to_html, to_plain


def test_html_escapes_every_value() -> None:
    rich = bold("Sở <b>Tư</b> & pháp") + plain(" <script>") + italic("a\nb")
    assert to_html(rich) == ("<b>Sở &lt;b&gt;Tư&lt;/b&gt; &amp; pháp</b> &lt;script&gt;"
                             "<i>a</i>\n<i>b</i>")
    assert to_plain(rich) == "Sở <b>Tư</b> & pháp <script>a\nb"


def test_join_and_concatenation() -> None:
    assert to_plain(join([bold("a"), "b", plain("c")], " | ")) == "a | b | c"
    assert to_plain("x" + bold("y")) == "xy"
    assert not plain("") and bool(plain("a"))


def test_split_lines_keeps_lines_whole() -> None:
    text = "\n".join(f"line {i}" for i in range(100))
    chunks = split_lines(text, 50)
    assert all(len(c) <= 50 for c in chunks)
    assert "\n".join(chunks) == text


def test_split_lines_cuts_a_line_longer_than_the_limit() -> None:
    chunks = split_lines("a" * 120 + "\nshort", 50)
    assert chunks == ["a" * 50, "a" * 50, "a" * 20 + "\nshort"]


@given(st.text(), st.integers(min_value=1, max_value=200))
def test_split_lines_never_loses_text(text: str, limit: int) -> None:
    chunks = split_lines(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


@given(st.text())
def test_html_tags_never_span_lines(text: str) -> None:
    for line in to_html(bold(text)).split("\n"):
        assert line.count("<b>") == line.count("</b>")
