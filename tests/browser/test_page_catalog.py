"""Every text of the pages exists in Chinese (no browser needed: this reads the templates and pages.py)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import openbeian.web
from openbeian.web.i18n import CATALOG, gettext, normalise_language

WEB = Path(openbeian.web.__file__).parent
# _("...") in templates and pages.py, N_("...") for msgids kept in tables.
MSGID = re.compile(r'(?<![A-Za-z0-9])N?_\(\s*"((?:[^"\\]|\\.)*)"')


def msgids() -> list[tuple[str, str]]:
    found = []
    for path in [*sorted((WEB / "templates").glob("*.html")), WEB / "pages.py", WEB / "lifecycle_pages.py"]:
        for match in MSGID.finditer(path.read_text(encoding="utf-8")):
            found.append((path.name, match.group(1)))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_pages_use_the_catalog() -> None:
    assert len({m for _, m in msgids()}) > 100


def test_every_page_text_has_its_chinese_with_the_same_placeholders() -> None:
    missing = [f"{source}: {msgid!r}" for source, msgid in msgids() if msgid not in CATALOG]
    assert missing == []
    mismatched = [m for m, zh in CATALOG.items() if placeholders(zh) != placeholders(m)]
    assert mismatched == []


def test_the_catalog_holds_no_text_the_pages_do_not_use() -> None:
    used = {m for _, m in msgids()}
    assert sorted(set(CATALOG) - used) == []


def test_gettext_translates_and_fills_placeholders() -> None:
    assert gettext("zh-CN")("Order {id}", id=7) == "订单 7"
    assert gettext("en")("Order {id}", id=7) == "Order 7"
    assert gettext("en")("a text not in the catalog") == "a text not in the catalog"


def test_language_codes_of_links_are_normalised() -> None:
    assert normalise_language("zh") == "zh-CN"
    assert normalise_language("ZH-cn") == "zh-CN"
    assert normalise_language("en-GB") == "en"
    assert normalise_language("fr") is None
