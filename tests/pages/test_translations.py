"""Every message of the pages has a Chinese translation, the compiled catalogues are those
of the .po files, and no template shows text that bypasses the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PAGES = Path(__file__).resolve().parents[2] / "api" / "pages"
LOCALE = PAGES / "locale"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> set[str]:
    found = extract_from_dir(
        str(PAGES), METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS, comment_tags=()
    )
    messages = set()
    for _file, _line, message, _comments, _context in found:
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def catalogue(language: str) -> dict[str, str]:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and isinstance(m.id, str)}


def test_every_message_of_the_pages_has_a_chinese_translation() -> None:
    chinese = catalogue("zh_Hans")
    assert len(extracted()) > 100  # the extraction sees the templates and the modules
    untranslated = sorted(m for m in extracted() if not chinese.get(m))
    assert untranslated == [], "run scripts/pages-catalogues and translate these"


def test_the_compiled_catalogues_are_the_po_files() -> None:
    for language in ("en", "zh_Hans"):
        with (LOCALE / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
            compiled = {m.id: m.string for m in read_mo(handle) if m.id}
        assert compiled == catalogue(language), f"recompile {language}: scripts/pages-catalogues"


def test_chinese_keeps_every_placeholder() -> None:
    placeholder = re.compile(r"%\((\w+)\)s")
    for english, chinese in catalogue("zh_Hans").items():
        assert sorted(placeholder.findall(chinese)) == sorted(placeholder.findall(english)), english


TAG_TEXT = re.compile(r">([^<>{}]*[A-Za-z]{3,}[^<>{}]*)<")


def test_templates_have_no_text_outside_the_catalogue() -> None:
    """Text between tags is either a template expression or a message; none is bare."""
    bare = []
    for template in sorted((PAGES / "templates").glob("*.html")):
        source = re.sub(
            r"<script.*?</script>|<style.*?</style>", "", template.read_text(), flags=re.S
        )
        for text in TAG_TEXT.findall(source):
            if text.strip() and text.strip() not in {"coldchain"}:
                bare.append(f"{template.name}: {text.strip()}")
    assert bare == []
