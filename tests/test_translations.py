"""Every user-facing string has a Vietnamese translation with the same placeholders."""

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _source_messages() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = set()
    for folder in ("bot", "handlers", "conversations"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(language: str):
    with open(ROOT / "locales" / language / "LC_MESSAGES" / "kiemdiem.po", "rb") as fh:
        return read_po(fh)


def test_vietnamese_catalogue_is_complete_and_placeholders_match():
    catalogue = _catalogue("vi")
    missing, broken = [], []
    for msgid in sorted(_source_messages()):
        message = catalogue.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
            continue
        translated = message.string if isinstance(message.string, str) else message.string[0]
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(translated)):
            broken.append(msgid)
    assert not missing, f"untranslated (run `make messages`, then translate): {missing}"
    assert not broken, f"placeholders differ: {broken}"


def test_english_catalogue_knows_every_message():
    catalogue = _catalogue("en")
    assert not [m for m in _source_messages() if catalogue.get(m) is None]
