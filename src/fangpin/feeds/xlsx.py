"""Streaming reader of XLSX workbooks: the filled cells of the first visible worksheet with data, chunk by chunk,
as the text a cadre sees. Memory is bounded by one chunk of worksheet XML plus the shared strings.

Why not a library: calamine (python-calamine) loads the whole sheet before the first row, and openpyxl's
read-only mode streams but is about 8 times slower. An XML parser that makes a Python object per cell is slower
than calamine too, so the worksheet XML is taken apart with Arrow's vectorised string kernels against a strict
grammar of the rows and cells that spreadsheet programs write; any chunk that does not fit it exactly (rich
text, other attribute orders, comments, damaged XML) is parsed by ElementTree instead, with the same result.
"""

import datetime as dt
import itertools
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Worksheet XML is read in pieces of about this size, each cut after a whole row: the bound on memory per chunk.
CHUNK_BYTES = 1024 * 1024

# Built-in number formats that show dates or times (ECMA-376 part 1, 18.8.30; 27-36 and 50-58 are the East
# Asian ones, all dates or times in the zh-CN list) and the elapsed time [h]:mm:ss. calamine takes the same ids.
_BUILTIN_DATES = frozenset([*range(14, 23), *range(27, 37), 45, 47, *range(50, 59)])
_BUILTIN_DURATIONS = frozenset([46])
NUMBER, DATE, DURATION = 0, 1, 2

_MS_PER_DAY = 86_400_000
# Serial 1 is 1900-01-01 in the 1900 date system once Excel's fictitious 1900-02-29 is allowed for.
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_UNIX = dt.date(1970, 1, 1)
_FIRST_UNIX_DAY = -96_465_292  # calamine's (chrono's) first date, 262143 BC, in days from 1970-01-01

# Numbers whose text as written is already what `cell_text` makes of them (an integer below 10^15, or a decimal
# of at most 15 digits, no trailing zero, not below 0.0001): kept as written, without a Python float per cell.
# Others (1E+20, 0.30000000000000004, -0) go through `cell_text`.
_AS_WRITTEN = r"^(?:0|-?[1-9][0-9]{0,14}|-?[1-9][0-9]*\.[0-9]*[1-9]|-?0\.0{0,3}[1-9](?:[0-9]*[1-9])?)$"
_WHOLE = r"^[0-9]{1,7}$"
_NUMERIC = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")  # a number to calamine
_REFERENCE = re.compile(r"&([^;&<]*)(;?)")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # a character XML cannot hold, such as _x000D_ for CR
_XML_SPACE = " \t\r\n"
_XML_SPACE_ATTRIBUTE = "{http://www.w3.org/XML/1998/namespace}space"
_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_ROOT = re.compile(rb"<(?![?!])([\w.:-]+)[^>]*>")


class XlsxError(Exception):
    """The file is damaged or is not an XLSX workbook; the message says what was found."""


@dataclass(frozen=True)
class Cells:
    """Filled cells of some whole rows of a sheet: 1-based row numbers, 0-based column numbers, their text."""

    row: np.ndarray
    column: np.ndarray
    text: pa.Array

    def __len__(self) -> int:
        return len(self.row)

    @staticmethod
    def join(parts: "list[Cells]") -> "Cells":
        if not parts:
            return Cells(np.zeros(0, np.int64), np.zeros(0, np.int64), pa.array([], pa.string()))
        return Cells(
            np.concatenate([c.row for c in parts]),
            np.concatenate([c.column for c in parts]),
            pa.concat_arrays([c.text for c in parts]),
        )

    def select(self, mask: np.ndarray) -> "Cells":
        return Cells(self.row[mask], self.column[mask], self.text.filter(pa.array(mask)))

    def rows(self, first: int, last: int) -> list[list[str]]:
        """Rows `first` to `last` as lists of text from column A, empty rows included (few rows: plain Python)."""
        lines: list[list[str]] = [[] for _ in range(last - first + 1)]
        inside = np.flatnonzero((self.row >= first) & (self.row <= last))
        texts = self.text.take(pa.array(inside, pa.int64())).to_pylist()
        for index, text in zip(inside, texts, strict=True):
            line = lines[int(self.row[index]) - first]
            column = int(self.column[index])
            line.extend([""] * (column + 1 - len(line)))
            line[column] = text
        return lines


@dataclass
class Sheet:
    """The first visible worksheet with data: its name and its cells, to be read once."""

    name: str
    chunks: Iterator[Cells]


def open_sheet(path: Path) -> Sheet | None:
    """The first visible worksheet of an XLSX file that has a filled cell, or None; XlsxError if damaged."""
    workbook = _Workbook(Path(path))
    for name, part in workbook.sheets:
        chunks = _SheetReader(workbook, part).chunks()
        for cells in chunks:
            if len(cells):
                return Sheet(name=name, chunks=itertools.chain([cells], chunks))
    return None


# --- cell values ------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """An Excel cell as text, as a cadre would read it: 12.0 → "12"; a number Excel holds as a float with 15
    significant digits (such as an ID number typed as a number) keeps its scientific form, so that the loss
    of digits shows; dates as ISO dates.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return "" if value is None else str(value)


def format_kind(code: str) -> int:
    """DATE, DURATION (elapsed time such as [h]:mm) or NUMBER for a custom number format, as calamine judges it:
    only the first section counts, and quoted text, bracketed colours and conditions, and the character after
    \\, _ or * are not format letters (so 0.00"d" is a number and yyyy"年"m"月" a date)."""
    quoted = escaped = am_pm = elapsed = False
    depth = 0
    previous = " "
    for char in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = char != '"'
        elif char in "\\_*":
            escaped = True
        elif char == '"':
            quoted = True
        elif char == ";":
            return NUMBER
        elif char == "[":
            depth += 1
        elif char == "]":
            if depth == 1 and elapsed:
                return DURATION
            depth = max(depth - 1, 0)
        elif depth == 0 and not am_pm and char in "aA":
            am_pm = True
        elif depth == 0 and am_pm and char in "pPmM/":
            return DATE  # AM/PM or A/P
        elif depth == 0 and not am_pm and char in "dmhysDMHYS":
            return DATE
        elif not (elapsed and char.lower() == previous.lower()):
            elapsed = previous == "[" and char in "hmsHMS"
        previous = char
    return NUMBER


def serial_value(value: float, kind: int, *, is_1904: bool) -> Any:
    """A number under a date or elapsed-time format as calamine reads it: a time of day below 1 (even for a
    negative serial), a date when whole, a datetime otherwise (to the millisecond), a timedelta for elapsed
    time, and the number itself where calamine has no date for it."""
    # The 1900 system counts a 29 February 1900 that never was: serials before it are a day later than counted.
    days = value if is_1904 or value >= 60 else value + 1
    epoch = _EPOCH_1904 if is_1904 else _EPOCH_1900
    try:
        if kind == DURATION:
            return dt.timedelta(milliseconds=_round(value * _MS_PER_DAY))
        milliseconds = _round(days * _MS_PER_DAY)
        if value < 1:
            if (epoch.date() - _UNIX).days + milliseconds // _MS_PER_DAY < _FIRST_UNIX_DAY:
                return value
            return (dt.datetime.min + dt.timedelta(milliseconds=milliseconds % _MS_PER_DAY)).time()
        moment = epoch + dt.timedelta(milliseconds=milliseconds)
    except (OverflowError, ValueError):
        return value  # past 9999-12-31, where Python has no dates (and calamine gives the number too)
    return moment.date() if value.is_integer() else moment


def _round(value: float) -> int:
    """Half away from zero, like Rust's round (calamine); Python's round goes to the even neighbour."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _number_text(raw: str, kind: int, *, is_1904: bool) -> str:
    if not _NUMERIC.fullmatch(raw):
        return raw  # calamine keeps a <v> that is not a number as text
    value = float(raw)
    return cell_text(serial_value(value, kind, is_1904=is_1904) if kind else value)


def _iso_text(raw: str) -> str:
    """A t="d" cell (an ISO 8601 date written as text)."""
    for parse in (dt.datetime.fromisoformat, dt.time.fromisoformat):
        try:
            return cell_text(parse(raw))
        except ValueError:
            continue
    return raw


# --- XML text without a parser ----------------------------------------------------------------------------


def _unescape(text: str) -> str:
    """Character and entity references resolved, as an XML parser would; a stray & is damaged XML."""

    def resolve(match: re.Match[str]) -> str:
        name, semicolon = match.groups()
        if semicolon:
            if name in _ENTITIES:
                return _ENTITIES[name]
            digits = name[2:] if name[:2] in ("#x", "#X") else name[1:] if name[:1] == "#" else ""
            if digits.isalnum() and digits.isascii():
                try:
                    return chr(int(digits, 16 if name[:2] in ("#x", "#X") else 10))
                except (ValueError, OverflowError):
                    pass
        raise XlsxError(f"the XML has a broken reference “&{name}{semicolon}”")

    return _REFERENCE.sub(resolve, text)


def _unescape_excel(text: str) -> str:
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _decoded(texts: pa.Array) -> pa.Array:
    """Text cut out of the XML as a parser gives it: line ends as \\n, references resolved. Only the few texts
    that need it go through Python."""
    odd = pc.fill_null(pc.match_substring_regex(texts, "[&\r]"), False)
    if not pc.any(odd).as_py():
        return texts
    values = texts.to_pylist()
    for index in np.flatnonzero(odd.to_numpy(zero_copy_only=False)):
        values[index] = _unescape(values[index].replace("\r\n", "\n").replace("\r", "\n"))
    return pa.array(values, pa.string())


def _string_texts(texts: pa.Array, preserve: pa.Array) -> pa.Array:
    """Shared or inline strings (one <t> each) as calamine reads them, like Excel: edge white space dropped
    unless the <t> has xml:space="preserve", then Excel's _xHHHH_ escapes resolved."""
    texts = _decoded(texts)
    trim = pc.fill_null(pc.equal(preserve, ""), True)
    texts = pc.if_else(trim, pc.utf8_trim(texts, _XML_SPACE), texts)
    escaped = pc.fill_null(pc.match_substring_regex(texts, "_x[0-9A-Fa-f]{4}_"), False)
    if not pc.any(escaped).as_py():
        return texts
    values = texts.to_pylist()
    for index in np.flatnonzero(escaped.to_numpy(zero_copy_only=False)):
        values[index] = _unescape_excel(values[index])
    return pa.array(values, pa.string())


def _utf8(data: bytes) -> pa.Array:
    # One string over the bytes as they are (no copy); the cast checks that they are UTF-8.
    offsets = pa.py_buffer(np.array([0, len(data)], np.int32).tobytes())
    try:
        return pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(data)]).cast(pa.string())
    except pa.ArrowInvalid:
        raise XlsxError("the XML is not UTF-8 text") from None


def _pieces(head: bytes, stream: IO[bytes], end: bytes) -> Iterator[bytes]:
    """`head` and the rest of `stream` in pieces of about CHUNK_BYTES, each ending just after a closing tag
    `end`; the last piece is what follows the last `end` (it never holds `end`)."""
    rest = head
    while True:
        block = stream.read(CHUNK_BYTES)
        rest += block
        cut = rest.rfind(end)
        if cut >= 0:
            cut += len(end)
            yield rest[:cut]
            rest = rest[cut:]
        if not block:
            yield rest
            return


def _start(stream: IO[bytes], name: str, part: str) -> tuple[bytes, re.Match[bytes], bytes]:
    """Read up to the start tag of element `name`: (the document's root start tag, the start tag matched, with
    its namespace prefix as group 1, the bytes after it)."""
    tag = re.compile(rb"<(\w+:)?" + name.encode() + rb"(?:\s[^>]*)?/?>")
    head = b""
    while (found := tag.search(head)) is None:
        block = stream.read(CHUNK_BYTES)
        if not block or len(head) > 16 * CHUNK_BYTES:
            raise XlsxError(f"{part} has no <{name}> element: the file is cut off or damaged")
        head += block
    root = _ROOT.search(head)
    assert root is not None  # `tag` itself is a start tag
    return root.group(0), found, head[found.end() :]


def _closing(start: bytes) -> bytes:
    """The closing tag of a start tag."""
    name = _ROOT.match(start)
    assert name is not None, "a start tag found by _ROOT"
    return b"</" + name.group(1) + b">"


def _parse(data: bytes, part: str) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise XlsxError(f"{part} is not well-formed XML ({exc})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _string_text(element: ET.Element) -> str:
    """The text of a shared or inline string: its <t> runs, without phonetic guides (<rPh>), each without edge
    white space unless it says xml:space="preserve"; then Excel's escapes resolved."""
    runs = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            runs.append(child)
        elif name == "r":
            runs.extend(t for t in child if _local(t.tag) == "t")
    texts = [
        t.text or "" if t.get(_XML_SPACE_ATTRIBUTE) == "preserve" else (t.text or "").strip(_XML_SPACE)
        for t in runs
    ]
    return _unescape_excel("".join(texts))


# --- the workbook -----------------------------------------------------------------------------------------


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, ValueError)


class _Workbook:
    """The parts every sheet needs: where the sheets are, the date system, which styles are dates, the strings."""

    def __init__(self, path: Path):
        try:
            self.zip = zipfile.ZipFile(path)
        except _ZIP_ERRORS as exc:
            raise XlsxError(str(exc)) from None
        self.names = set(self.zip.namelist())
        package = self._relationships("_rels/.rels", "")
        self.part = next((n for t, n in package.values() if t.endswith("/officeDocument")), "xl/workbook.xml")
        if self.part not in self.names:
            raise XlsxError("the file has no workbook part: it is a zip archive, not an XLSX workbook")
        folder = posixpath.dirname(self.part)
        rels = self._relationships(
            posixpath.join(folder, "_rels", posixpath.basename(self.part) + ".rels"), folder
        )
        root = _parse(self.read(self.part), self.part)
        self.is_1904 = any(
            _local(e.tag) == "workbookPr" and e.get("date1904", "").lower() in ("1", "true") for e in root
        )
        self.sheets: list[tuple[str, str]] = []  # (name, part) of the visible worksheets, in workbook order
        for element in root.iter():
            if _local(element.tag) != "sheet" or element.get("state", "visible") != "visible":
                continue
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            kind, part = rels.get(rid, ("", ""))
            if kind.endswith("/worksheet") and part in self.names:  # not chart, dialog or macro sheets
                self.sheets.append((element.get("name", ""), part))
        self.formats = self._formats(self._part(rels, "/styles", posixpath.join(folder, "styles.xml")))
        self._strings_part = self._part(rels, "/sharedStrings", posixpath.join(folder, "sharedStrings.xml"))
        self._strings: pa.Array | None = None

    def read(self, part: str) -> bytes:
        try:
            return self.zip.read(part)
        except _ZIP_ERRORS as exc:
            raise XlsxError(f"{part}: {exc}") from None

    def open(self, part: str) -> IO[bytes]:
        try:
            return self.zip.open(part)
        except _ZIP_ERRORS as exc:
            raise XlsxError(f"{part}: {exc}") from None

    def _relationships(self, part: str, folder: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, part name) from a .rels part (targets are relative to `folder`)."""
        if part not in self.names:
            return {}
        found = {}
        for element in _parse(self.read(part), part):
            target = element.get("Target", "")
            if target and element.get("TargetMode") != "External":
                name = (
                    target[1:]
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                found[element.get("Id", "")] = (element.get("Type", ""), name)
        return found

    def _part(self, rels: dict[str, tuple[str, str]], kind: str, default: str) -> str | None:
        name = next((n for t, n in rels.values() if t.endswith(kind)), default)
        return name if name in self.names else None

    def _formats(self, part: str | None) -> np.ndarray:
        """For each cell style (a cell's s attribute): DATE, DURATION or NUMBER, from its number format."""
        if part is None:
            return np.zeros(0, np.int8)
        custom: dict[str, int] = {}
        kinds: list[int] = []
        for element in _parse(self.read(part), part):
            if _local(element.tag) == "numFmts":
                custom |= {f.get("numFmtId", ""): format_kind(f.get("formatCode", "")) for f in element}
            elif _local(element.tag) == "cellXfs":
                for xf in element:
                    number = xf.get("numFmtId", "0")
                    kinds.append(custom.get(number, _builtin_kind(int(number) if number.isdigit() else 0)))
        return np.array(kinds, np.int8)

    @property
    def strings(self) -> pa.Array:
        """The shared strings in one Arrow array (no Python object per string): any row may use any of them,
        so they are held; their number is bounded by the distinct texts, not by the rows."""
        if self._strings is None:
            self._strings = (
                _read_shared_strings(self, self._strings_part)
                if self._strings_part
                else pa.array([], pa.string())
            )
        return self._strings


def _read_shared_strings(workbook: _Workbook, part: str) -> pa.Array:
    """sharedStrings.xml, streamed: the usual <si><t>…</t></si> taken apart in bulk, rich text (runs, phonetic
    guides) by ElementTree one string at a time."""
    arrays = []
    try:
        with workbook.open(part) as stream:
            root, start, rest = _start(stream, "sst", part)
            prefix = (start.group(1) or b"").decode()
            simple = (
                rf"^\s*<{prefix}t(?P<keep>\s+xml:space=\"preserve\")?>(?P<t>[^<]*)</{prefix}t>"
                rf"\s*</{prefix}si>\s*$"
            )
            close = _closing(root)
            end, item_end = f"</{prefix}sst>".encode(), f"</{prefix}si>".encode()
            for chunk in _pieces(rest, stream, item_end):
                if chunk.endswith(item_end):
                    arrays.append(_shared_chunk(chunk, prefix, simple, root, close, part))
                    continue
                tail = chunk.find(end)  # the last piece: maybe a few <si/>, then </sst>
                if tail < 0:
                    raise XlsxError(f"{part} ends before its end: the file is cut off or damaged")
                arrays.append(_shared_chunk(chunk[:tail], prefix, simple, root, close, part))
    except _ZIP_ERRORS as exc:
        raise XlsxError(f"{part}: {exc}") from None
    try:
        return pa.concat_arrays(arrays)
    except pa.ArrowInvalid as exc:
        raise XlsxError(f"the shared strings are too large ({exc})") from None


def _shared_chunk(chunk: bytes, prefix: str, simple: str, root: bytes, close: bytes, part: str) -> pa.Array:
    # A piece is what follows one <si> (a self-closing <si/> leaves a blank piece: an empty string); the first
    # piece is what came before the chunk's first string.
    pieces = pc.list_flatten(pc.split_pattern_regex(_utf8(chunk), f"<{prefix}si(?:>|/>)"))[1:]
    found = pc.extract_regex(pieces, simple)
    blank = pc.equal(pc.utf8_trim_whitespace(pieces), "")
    texts = pc.if_else(blank, "", pc.if_else(found.is_valid(), pc.struct_field(found, "t"), None))
    texts = _string_texts(texts, pc.struct_field(found, "keep"))
    if not texts.null_count:
        return texts
    values = texts.to_pylist()
    for index in np.flatnonzero(texts.is_null().to_numpy(zero_copy_only=False)):
        element = _parse(root + f"<{prefix}si>".encode() + pieces[int(index)].as_py().encode() + close, part)
        items = [e for e in element if _local(e.tag) == "si"]
        if len(items) != 1:
            raise XlsxError(f"{part} has a string that is not one <si> element")
        values[index] = _string_text(items[0])
    return pa.array(values, pa.string())


# --- the worksheet ----------------------------------------------------------------------------------------


class _SheetReader:
    """One worksheet's cells, chunk by chunk, with the text each cell shows."""

    def __init__(self, workbook: _Workbook, part: str):
        self.workbook, self.part = workbook, part
        self.last_row = 0  # the number of the last row read, for rows that do not say their number

    def chunks(self) -> Iterator[Cells]:
        try:
            with self.workbook.open(self.part) as stream:
                root, start, rest = _start(stream, "sheetData", self.part)
                if start.group(0).endswith(b"/>"):
                    return  # <sheetData/>: an empty sheet
                self._grammar((start.group(1) or b"").decode(), root)
                end = f"</{self.prefix}row>".encode()
                for chunk in _pieces(rest, stream, end):
                    if chunk.endswith(end):
                        yield self._cells(chunk)
                    elif not self.tail.match(chunk):
                        raise XlsxError(
                            f"{self.part} ends in the middle of a row: the file is cut off or damaged"
                        )
        except _ZIP_ERRORS as exc:
            raise XlsxError(f"{self.part}: {exc}") from None

    def _grammar(self, prefix: str, root: bytes) -> None:
        """The patterns of the rows and cells spreadsheet programs write, for this sheet's namespace prefix."""
        p = self.prefix = prefix
        # A chunk of rows inside the document's own root and sheetData tags is a document ElementTree can parse.
        self.wrap = (root + f"<{p}sheetData>".encode(), f"</{p}sheetData>".encode() + _closing(root))
        # Other attributes (cm, vm, ph…) have longer names than r, s and t, and do not change the value.
        other = r'\s+[A-Za-z][\w:.-]+="[^"]*"'
        formula = rf"<{p}f(?:\s[^>]*)?(?:/>|>[^<]*</{p}f>)"
        value = rf"<{p}v>(?P<v>[^<]*)</{p}v>|<{p}v/>"
        inline = rf"<{p}is>\s*(?:<{p}t(?P<keep>\s+xml:space=\"preserve\")?>(?P<is>[^<]*)</{p}t>|<{p}t/>)\s*</{p}is>"
        row_tags = rf'(?:\s|<{p}row\s(?:[^>]*\s)?r="[0-9]+"[^>]*>|</{p}row>)*'
        reference = r'r="(?P<col>[A-Z]{1,3})(?P<row>[1-9][0-9]{0,6})"'
        # The grammar a chunk must fit to be read in bulk: each piece is what follows "<c " up to the next one,
        # a whole cell and then any row tags. `canonical` is the form Excel, WPS, openpyxl, POI and LibreOffice
        # write (the cheapest pattern for the regex engine); `cell` takes the rest (formulas, inline strings,
        # other attributes). A chunk with a piece that fits neither goes to ElementTree.
        self.canonical = (
            rf'^{reference}(?: s="(?P<s>[0-9]{{1,9}})")?(?: t="(?P<t>[A-Za-z]+)")?'
            rf"(?:/>|>(?:<{p}v>(?P<v>[^<]*)</{p}v>)?</{p}c>){row_tags}$"
        )
        self.cell = (
            rf'^(?:[A-Za-z][\w:.-]+="[^"]*"\s+)*{reference}(?:{other})*'
            rf'(?:\s+s="(?P<s>[0-9]{{1,9}})")?(?:{other})*(?:\s+t="(?P<t>[A-Za-z]+)")?(?:{other})*\s*'
            rf"(?:/>|>\s*(?:{formula})?\s*(?:{value})?\s*(?:{inline})?\s*</{p}c>){row_tags}$"
        )
        self.lead = rf"^{row_tags}$"
        self.tail = re.compile(rf"\s*(?:<{p}row\s[^>]*/>\s*)*</{p}sheetData>".encode())
        self.last_row_tag = re.compile(rf'<{p}row\s(?:[^>]*\s)?r="([0-9]+)"'.encode())

    def _cells(self, chunk: bytes) -> Cells:
        pieces = pc.list_flatten(pc.split_pattern(_utf8(chunk), f"<{self.prefix}c "))
        cells = pieces[1:]
        if not pc.match_substring_regex(pieces[:1], self.lead)[0].as_py():
            return self._exact(chunk)
        found = pc.extract_regex(cells, self.canonical)
        parts = {name: pc.struct_field(found, name) for name in ("col", "row", "s", "t", "v")}
        parts["is"] = parts["keep"] = pa.repeat(pa.scalar("", pa.string()), len(cells))
        if found.null_count:
            odd = found.is_null()
            rest = pc.extract_regex(cells.filter(odd), self.cell)
            if rest.null_count:
                return self._exact(chunk)
            parts = {
                name: pc.replace_with_mask(a, odd, pc.struct_field(rest, name)) for name, a in parts.items()
            }
        last = chunk.rfind(f"<{self.prefix}row".encode())
        row_number = self.last_row_tag.match(chunk, last) if last >= 0 else None
        self.last_row = int(row_number.group(1)) if row_number else self.last_row
        letters = pc.dictionary_encode(parts["col"])
        columns = np.array([_column_number(s) for s in letters.dictionary.to_pylist()], np.int64)
        return self._texts(
            row=pc.cast(parts["row"], pa.int64()).to_numpy(),
            column=columns[letters.indices.to_numpy()],
            kind=parts["t"],
            style=parts["s"],
            # Most chunks have no reference or carriage return, and no inline string: no work on the texts.
            value=_decoded(parts["v"]) if b"&" in chunk or b"\r" in chunk else parts["v"],
            inline=_string_texts(parts["is"], parts["keep"]) if found.null_count else parts["is"],
        )

    def _exact(self, chunk: bytes) -> Cells:
        """The chunk parsed by ElementTree: any well-formed worksheet XML, cells without references included."""
        head, tail = self.wrap
        root = _parse(head + chunk + tail, self.part)
        data = next(e for e in root if _local(e.tag) == "sheetData")
        rows: list[int] = []
        columns: list[int] = []
        kinds: list[str] = []
        styles: list[str] = []
        values: list[str] = []
        inlines: list[str] = []
        number = self.last_row
        for row in data:
            if _local(row.tag) != "row":
                continue
            number = _number(row.get("r"), number + 1)
            column = -1
            for cell in row:
                if _local(cell.tag) != "c":
                    continue
                reference = cell.get("r")
                if reference:
                    match = _CELL_REFERENCE.fullmatch(reference)
                    if match is None:
                        raise XlsxError(
                            f"{self.part} has a cell at “{reference[:20]}”, which is not a cell reference"
                        )
                    rows.append(int(match.group(2)))
                    column = _column_number(match.group(1))
                else:
                    rows.append(number)
                    column += 1
                columns.append(column)
                kinds.append(cell.get("t", ""))
                styles.append(cell.get("s", ""))
                value = inline = ""
                for child in cell:
                    if _local(child.tag) == "v":
                        value = child.text or ""
                    elif _local(child.tag) == "is":
                        inline = _string_text(child)
                values.append(value)
                inlines.append(inline)
        self.last_row = number
        return self._texts(
            row=np.array(rows, np.int64),
            column=np.array(columns, np.int64),
            kind=pa.array(kinds, pa.string()),
            style=pa.array(styles, pa.string()),
            value=pa.array(values, pa.string()),
            inline=pa.array(inlines, pa.string()),
        )

    def _texts(
        self,
        *,
        row: np.ndarray,
        column: np.ndarray,
        kind: pa.Array,
        style: pa.Array,
        value: pa.Array,
        inline: pa.Array,
    ) -> Cells:
        """The text of each cell from its type (t), style (s), value (<v>) and inline string (<is>), as calamine
        gives the value and `cell_text` writes it; cells that show nothing are left out."""
        count = len(row)
        if not count:
            return Cells(row, column, pa.array([], pa.string()))
        codes = pc.dictionary_encode(kind)
        names = codes.dictionary.to_pylist()
        code = codes.indices.to_numpy()
        of = {name: code == index for index, name in enumerate(names)}

        def mask(*kinds: str) -> np.ndarray:
            return np.logical_or.reduce([of[k] for k in kinds if k in of] or [np.zeros(count, bool)])

        has_inline = pc.greater(pc.utf8_length(inline), 0).to_numpy(zero_copy_only=False)
        is_inline = mask("inlineStr") | has_inline  # calamine reads an <is> whatever the type says
        empty = ~is_inline & (mask("e") | (pc.utf8_length(value).to_numpy(zero_copy_only=False) == 0))
        parts: list[tuple[np.ndarray, pa.Array]] = []
        parts.append((np.flatnonzero(empty), pa.array([""] * int(empty.sum()), pa.string())))
        parts.append((np.flatnonzero(is_inline), inline.filter(pa.array(is_inline))))
        rest = ~empty & ~is_inline
        shared = rest & mask("s")
        if shared.any():
            parts.append((np.flatnonzero(shared), self._shared(value.filter(pa.array(shared)))))
        boolean = rest & mask("b")
        if boolean.any():
            picked = value.filter(pa.array(boolean))
            parts.append((np.flatnonzero(boolean), pc.if_else(pc.equal(picked, "0"), "FALSE", "TRUE")))
        text = rest & mask("str")
        parts.append((np.flatnonzero(text), value.filter(pa.array(text))))
        iso = rest & mask("d")
        if iso.any():
            texts = [_iso_text(v) for v in value.filter(pa.array(iso)).to_pylist()]
            parts.append((np.flatnonzero(iso), pa.array(texts, pa.string())))
        number = rest & ~shared & ~boolean & ~text & ~iso
        if number.any():
            indices = np.flatnonzero(number)
            styles = pc.fill_null(pc.cast(pc.if_else(pc.equal(style, ""), None, style), pa.int64()), -1)
            styles = styles.filter(pa.array(number)).to_numpy()
            formats = self.workbook.formats
            inside = (styles >= 0) & (styles < len(formats))
            kinds = np.where(inside, formats[np.where(inside, styles, 0)] if len(formats) else 0, NUMBER)
            parts.append((indices, self._numbers(value.filter(pa.array(number)), kinds)))
        result = _scatter(count, parts)
        filled = pc.greater(pc.utf8_length(result), 0).to_numpy(zero_copy_only=False)
        return Cells(row[filled], column[filled], result.filter(pa.array(filled)))

    def _shared(self, indices: pa.Array) -> pa.Array:
        strings = self.workbook.strings
        try:
            numbers = pc.cast(indices, pa.int64())
        except pa.ArrowInvalid:
            raise XlsxError(f"{self.part} has a shared string cell whose value is not a number") from None
        if len(numbers) and (pc.min(numbers).as_py() < 0 or pc.max(numbers).as_py() >= len(strings)):
            raise XlsxError(f"{self.part} refers to a shared string that the workbook does not have")
        return strings.take(numbers)

    def _numbers(self, raw: pa.Array, kinds: np.ndarray) -> pa.Array:
        """Numbers as `cell_text` writes them, dates as ISO dates: in bulk where the text allows, else one by one."""
        result: list[tuple[np.ndarray, pa.Array]] = []
        negative = pc.starts_with(raw, "-")
        plain = pc.and_(
            pc.match_substring_regex(raw, _AS_WRITTEN),
            pc.less_equal(pc.utf8_length(raw), pc.add(pc.cast(negative, pa.int32()), 16)),
        ).to_numpy(zero_copy_only=False) & (kinds == NUMBER)
        result.append((np.flatnonzero(plain), raw.filter(pa.array(plain))))
        whole = pc.match_substring_regex(raw, _WHOLE).to_numpy(zero_copy_only=False) & (kinds == DATE)
        day = np.zeros(len(raw), np.int64)
        if whole.any():
            day[whole] = pc.cast(raw.filter(pa.array(whole)), pa.int64()).to_numpy()
        # A whole serial is a date; before 1900-03-01 (61) the fictitious 29 February makes it one by one.
        epoch = _EPOCH_1904 if self.workbook.is_1904 else _EPOCH_1900
        since_unix = (epoch.date() - _UNIX).days
        last = (dt.date(9999, 12, 31) - epoch.date()).days
        dates = whole & (day >= (1 if self.workbook.is_1904 else 61)) & (day <= last)
        if dates.any():
            result.append(
                (
                    np.flatnonzero(dates),
                    pc.cast(pa.array((day[dates] + since_unix).astype(np.int32), pa.date32()), pa.string()),
                )
            )
        other = ~plain & ~dates
        if other.any():
            texts = [
                _number_text(v, int(k), is_1904=self.workbook.is_1904)
                for v, k in zip(raw.filter(pa.array(other)).to_pylist(), kinds[other], strict=True)
            ]
            result.append((np.flatnonzero(other), pa.array(texts, pa.string())))
        return _scatter(len(raw), result)


def _scatter(count: int, parts: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """One array from texts computed for disjoint sets of positions that together cover 0…count-1."""
    order = np.concatenate([positions for positions, _texts in parts])
    position = np.empty(count, np.int64)
    position[order] = np.arange(count)
    return pa.concat_arrays([texts for _positions, texts in parts]).take(pa.array(position))


def _builtin_kind(number: int) -> int:
    return DATE if number in _BUILTIN_DATES else DURATION if number in _BUILTIN_DURATIONS else NUMBER


def _number(text: str | None, default: int) -> int:
    if not text:
        return default
    if not text.isdigit():
        raise XlsxError(f"a row number “{text[:20]}” is not a number")
    return int(text)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1
