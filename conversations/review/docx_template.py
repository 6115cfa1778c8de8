"""The printable .docx without python-docx per member: prototypes made once, text spliced in.

python-docx costs ~50 ms per document (building objects, then deflating ~800 KB of
styles every time). Here the package (styles, settings, the page header of drafts…) is
saved once per process and its parts kept deflated; each kind of paragraph or table the
layout asks for is built once by python-docx (`DocxWriter`) with markers where its texts
go, and cut into the XML around them. A member's document is then the prototypes' XML
with the escaped texts in the slots, in a .zip whose constant parts are copied as they
are: a few milliseconds. The XML is the same, byte for byte, as python-docx writes it
(tests/test_printable_template.py).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape
from zipfile import ZipFile

from docx import Document as new_document

from conversations.core.text import clean_text
from conversations.review.docx_writer import DocxWriter, skeleton_document

DOCUMENT_PART = "word/document.xml"
_MARK = "\ue000{}\ue001"  # private-use characters: no form text holds them
_SLOT = re.compile("<w:t>\ue000(\\d+)\ue001</w:t>")
_RUN_BREAKS = re.compile("([\t\r\n])")


def run_text_xml(text: str) -> str:
    """A run's content as python-docx writes it: <w:t> pieces (xml:space="preserve" when
    the piece starts or ends with white space), a tab as <w:tab/>, a line break as
    <w:br/>; control characters removed, &, < and > escaped."""
    out = []
    for piece in _RUN_BREAKS.split(clean_text(text)):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            out.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return "".join(out)


@dataclass(frozen=True)
class Fragment:
    """Body XML with slots: pieces[0] + text of slots[0] + pieces[1] + …"""

    pieces: tuple[str, ...]
    slots: tuple[int, ...]

    @classmethod
    def build(cls, write: Callable[[DocxWriter, list[str]], None], count: int) -> Fragment:
        doc = new_document()
        write(DocxWriter(doc), [_MARK.format(n) for n in range(count)])
        xml = _serialised(doc.element)
        body = xml[xml.index("<w:body>") + len("<w:body>"):xml.index("<w:sectPr")]
        parts = _SLOT.split(body)
        return cls(tuple(parts[0::2]), tuple(int(n) for n in parts[1::2]))

    def fill(self, texts: Sequence[str]) -> str:
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            content = run_text_xml(texts[slot])
            if not content and out[-1].endswith("<w:r>") and piece.startswith("</w:r>"):
                out[-1], piece = out[-1][:-len("<w:r>")] + "<w:r/>", piece[len("</w:r>"):]
            out += (content, piece)
        return "".join(out)


class SplicingWriter:
    """The calls of `DocxWriter`, each answered with its prototype's XML, texts spliced in."""

    def __init__(self) -> None:
        self.body: list[str] = []

    def para(self, text: str = "", **fmt: Any) -> None:
        self._add(("para", *sorted(fmt.items())), (text,),
                  lambda w, m: w.para(m[0], **fmt))

    def field(self, label: str, value: str, *, bold: bool) -> None:
        self._add(("field", bold), (label, value), lambda w, m: w.field(*m, bold=bold))

    def letterhead(self, committee: str, cell: str, date_line: str) -> None:
        self._add(("letterhead",), (committee, cell, date_line), lambda w, m: w.letterhead(*m))

    def signature(self, full_name: str) -> None:
        self._add(("signature",), (full_name,), lambda w, m: w.signature(*m))

    def annex_table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        width = len(header)
        texts = [*header, *(text for row in rows for text in row)]
        if len(texts) != width * (len(rows) + 1):
            raise ValueError("every row of a table has as many cells as its header")
        self._add(("annex", width, len(rows)), texts, lambda w, m: w.annex_table(
            m[:width], [m[n:n + width] for n in range(width, len(m), width)]))

    def _add(self, key: tuple, texts: Sequence[str],
             write: Callable[[DocxWriter, list[str]], None]) -> None:
        self.body.append(_fragment(key, write, len(texts)).fill(texts))


_FRAGMENTS: dict[tuple, Fragment] = {}


def _fragment(key: tuple, write: Callable[[DocxWriter, list[str]], None], count: int
              ) -> Fragment:
    """Each prototype built once per process (a worker keeps them between documents)."""
    found = _FRAGMENTS.get(key)
    if found is None:
        found = _FRAGMENTS[key] = Fragment.build(write, count)
    return found


def _serialised(element) -> str:
    from lxml import etree  # python-docx's own XML library

    return etree.tostring(element, encoding="UTF-8", standalone=True).decode()


# the package: every part but the body, deflated once

_DOS_DATE, _DOS_TIME = 33, 0  # 1980-01-01 00:00: the same bytes for the same text


@dataclass(frozen=True)
class _Part:
    name: bytes
    crc: int
    size: int
    data: bytes  # deflated


def _deflated(name: str, content: bytes) -> _Part:
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    data = packer.compress(content) + packer.flush()
    return _Part(name.encode(), zlib.crc32(content), len(content), data)


@dataclass(frozen=True)
class Package:
    """A printable's .docx package with the body left open: `document(body_xml)`."""

    parts: tuple[_Part | None, ...]  # None: where word/document.xml goes
    head: str                        # word/document.xml up to <w:body>
    tail: str                        # from the section properties to the end

    @classmethod
    def of(cls, doc) -> Package:
        saved = BytesIO()
        doc.save(saved)
        parts: list[_Part | None] = []
        with ZipFile(saved) as archive:
            for name in archive.namelist():
                content = archive.read(name)
                if name == DOCUMENT_PART:
                    xml = content.decode()
                    start = xml.index("<w:body>") + len("<w:body>")
                    head, tail = xml[:start], xml[xml.index("<w:sectPr", start):]
                    parts.append(None)
                else:
                    parts.append(_deflated(name, content))
        return cls(tuple(parts), head, tail)

    def document(self, body: str) -> bytes:
        document = _deflated(DOCUMENT_PART, (self.head + body + self.tail).encode())
        return _zip([document if part is None else part for part in self.parts])


@cache
def package(draft: bool) -> Package:
    return Package.of(skeleton_document(draft))


def _zip(parts: Sequence[_Part]) -> bytes:
    """A .zip of already deflated parts (what zipfile cannot take): local headers and
    data, then the central directory."""
    out, directory = BytesIO(), []
    for part in parts:
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, zlib.DEFLATED, _DOS_TIME,
                              _DOS_DATE, part.crc, len(part.data), part.size,
                              len(part.name), 0))
        out.write(part.name)
        out.write(part.data)
        directory.append(struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, zlib.DEFLATED, _DOS_TIME,
            _DOS_DATE, part.crc, len(part.data), part.size, len(part.name), 0, 0, 0, 0, 0,
            offset) + part.name)
    start = out.tell()
    out.write(b"".join(directory))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts),
                          out.tell() - start, start, 0))
    return out.getvalue()
