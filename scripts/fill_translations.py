"""Fill empty Vietnamese msgstr entries from a Python file holding ``T = {msgid: msgstr}``.

    python scripts/fill_translations.py translations.py

A helper for translating a batch of new messages at once; existing translations are
never overwritten.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "locales/vi/LC_MESSAGES/nhacviec.po"


def main(source: str) -> int:
    table = runpy.run_path(source)["T"]
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    filled = 0
    for message in catalog:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or all(forms):
            continue
        plural = not isinstance(message.id, str)
        msgid = message.id[0] if plural else message.id
        if msgid in table:
            # Vietnamese has one plural form: the same words for one and for many.
            message.string = (table[msgid],) if plural else table[msgid]
            filled += 1
    with CATALOG.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, include_lineno=False)
    print(f"filled {filled} translations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
