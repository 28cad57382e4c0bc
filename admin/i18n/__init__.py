"""Message catalogues: Chinese by default, English on request.

The .po files are read directly (and compiled in memory), so a fresh checkout or an
editable install needs no build step; a compiled .mo next to a .po is used when present."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

HERE = Path(__file__).parent
DOMAIN = "admin"
LANGUAGES = ("zh", "en")
DEFAULT = "zh"
# The catalogue locale and the HTML lang attribute of each language.
LOCALES = {"zh": "zh_CN", "en": "en"}
HTML_LANG = {"zh": "zh-CN", "en": "en"}


def pick(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    folder = HERE / LOCALES[pick(language)] / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=LOCALES[pick(language)], domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    return translations(pick(language)).gettext(message)
