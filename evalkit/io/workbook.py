"""What an xlsx holds before any cell is read: its sheets (and which are hidden) and a guard on
the cells of the chosen sheet.

The Excel reader (fastexcel/calamine) builds a dense grid from the first to the last cell that
holds a value: one stray value at XFD1048576 in a 9 KB file makes it allocate 2^34 cells and
abort the process. :func:`scan_sheet` streams the sheet XML (stdlib ``zipfile`` + byte regexes,
constant memory) and measures the box of the value cells first, so such a file is a located
error and never reaches the reader. The same pass finds formula cells that carry no computed
value (files written by a library and never opened in Excel): the reader shows them as empty
cells, so the loader reports them instead of reading a blank or a zero.

Cost: a full scan reads the whole sheet XML once (about 0.3 s for 10 MB). Sheets over
:data:`FULL_SCAN_BYTES` whose declared ``<dimension>`` is plausible are read at once, their
extent taken from that dimension, and only searched for formulas in a background thread
meanwhile (:class:`SheetGuard`); a missing, huge or implausible dimension is scanned in full
before the read, whatever the size. (A hand-made file over 16 MB whose dimension lies about a
far cell is the one case left to the batch's per-year process isolation.)
"""

from __future__ import annotations

import posixpath
import re
import threading
import zipfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

FULL_SCAN_BYTES = 16 << 20
"""Sheets whose XML is at most this size are scanned before they are read."""
MAX_CELLS = 20_000_000
"""Largest grid (rows × columns of the value box) handed to the reader (≈ 0.6 GB there)."""
SPARSE_CELLS = 1_000_000
"""A grid larger than this must be at least 1/:data:`SPARSE_FACTOR` full of values."""
SPARSE_FACTOR = 8
MAX_FAR_SHOWN = 5
_CHUNK = 4 << 20

_REF_RE = re.compile(rb'<c\b[^>]*?\sr="([A-Z]{1,3})(\d{1,7})"')
_DIM_RE = re.compile(rb'<dimension\b[^>]*?\sref="([A-Z]{1,3})?(\d{1,7})?:?([A-Z]{1,3})?(\d{1,7})?"')
_CELL_RE = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_ATTR_R_RE = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')
_ATTR_T_RE = re.compile(rb'\st="([A-Za-z]+)"')
_FORMULA_RE = re.compile(rb'<f\b[^>]*?(?:/>|>([^<]*)</f>)')
_VALUE_RE = re.compile(rb'<v\b[^>]*?(?:/>|>([^<]*)</v>)')
_EMPTY_V = (b"<v></v>", b"<v/>")


@dataclass(frozen=True)
class SheetInfo:
    """One sheet of a workbook: name, state (``visible``/``hidden``/``veryHidden``), XML member."""

    name: str
    state: str
    member: str

    @property
    def visible(self) -> bool:
        return self.state == "visible"


def list_sheets(zf: zipfile.ZipFile) -> list[SheetInfo]:
    """The sheets in workbook order, with their visibility and zip member."""
    book = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {el.get("Id"): el.get("Target") or ""
               for el in rels.iter(f"{_PKG_REL_NS}Relationship")}
    out = []
    for el in book.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(el.get(f"{_REL_NS}id"), "")
        member = (target.lstrip("/") if target.startswith("/")
                  else posixpath.normpath("xl/" + target))
        out.append(SheetInfo(el.get("name") or "", el.get("state") or "visible", member))
    return out


def column_letters(col: int) -> str:
    """Excel letters of a 1-based column number.

    >>> column_letters(1), column_letters(28), column_letters(16384)
    ('A', 'AB', 'XFD')
    """
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def column_number(letters: bytes | str) -> int:
    """1-based column number of Excel letters (``b"XFD"`` → 16384)."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class FarCell:
    """A value cell outside the block that holds the table."""

    row: int          # 1-based
    col: int          # 1-based
    value: str
    shared: int | None = None
    """Index in the shared string table when the cell holds shared text (``value`` is empty)."""

    @property
    def ref(self) -> str:
        return f"{column_letters(self.col)}{self.row}"


@dataclass
class SheetScan:
    """What the streaming scan found.

    Attributes:
        rows, cols: extent (1-based last row and column) of the cells with a reference.
        values: number of cells holding a value (None when the extent is the declared one).
        formulas: ``(row, col)`` 0-based -> formula text, for formula cells without a computed
            value.
        far: value cells far from the table, when the grid is too large to read.
    """

    rows: int = 0
    cols: int = 0
    values: int | None = 0
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    far: list[FarCell] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    def too_large(self) -> bool:
        """The reader would allocate an unreasonable grid for these cells."""
        if self.values is None:     # declared extent, trusted as dense
            return self.cells > MAX_CELLS
        return self.cells > MAX_CELLS or (self.cells > SPARSE_CELLS
                                          and self.cells > SPARSE_FACTOR * max(self.values, 1))


def _chunks(zf: zipfile.ZipFile, member: str):
    """The sheet XML in pieces that end after a complete ``</c>`` or ``</row>`` (constant memory)."""
    tail = b""
    with zf.open(member) as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            data = tail + block
            cut = max(data.rfind(b"</c>") + 4, data.rfind(b"</row>") + 6)
            if cut <= 6 and len(data) < 4 * _CHUNK:
                tail = data
                continue
            yield data[:cut]
            tail = data[cut:]
    if tail:
        yield tail


def _formula_cells(body: bytes, out: dict[tuple[int, int], str]) -> None:
    """Formula cells of ``body`` without a computed value (no ``<v>`` or an empty one)."""
    for m in _CELL_RE.finditer(body):
        inner = m.group(2)
        if not inner or b"<f" not in inner:
            continue
        f = _FORMULA_RE.search(inner)
        v = _VALUE_RE.search(inner)
        kind = _ATTR_T_RE.search(m.group(1))
        has_value = v is not None and (bool(v.group(1)) or (kind is not None
                                                            and kind.group(1) == b"str"))
        ref = _ATTR_R_RE.search(m.group(1))
        if f is None or has_value or ref is None:
            continue
        text = (f.group(1) or b"").decode("utf-8", "replace")
        out[(int(ref.group(2)) - 1, column_number(ref.group(1)) - 1)] = "=" + text


def scan_formulas(zf: zipfile.ZipFile, member: str, extent: SheetScan) -> SheetScan:
    """Only the formulas without values (the extent is known from a trusted dimension): the
    XML is inflated (zlib releases the GIL) and searched for ``<f`` in C; only the pieces that
    hold formulas are parsed."""
    for body in _chunks(zf, member):
        if b"<f" in body:
            _formula_cells(body, extent.formulas)
    return extent


def scan_sheet(zf: zipfile.ZipFile, member: str) -> SheetScan:
    """Stream the sheet XML once: extent of the cells, value count, formulas without values."""
    scan = SheetScan()
    for body in _chunks(zf, member):
        refs = _REF_RE.findall(body)
        if refs:
            scan.rows = max(scan.rows, max(int(r) for _, r in refs))
            scan.cols = max(scan.cols, max(map(column_number, {c for c, _ in refs})))
        scan.values = (scan.values or 0) + (body.count(b"</v>") + body.count(b"</is>")
                        - sum(body.count(e) for e in _EMPTY_V))
        if b"<f" in body:
            _formula_cells(body, scan.formulas)
    if scan.too_large():
        _value_box(zf, member, scan)
    return scan


def _value_box(zf: zipfile.ZipFile, member: str, scan: SheetScan) -> None:
    """Re-measure the box on value cells only (the reader skips empty and formula-only cells);
    when it is still too large, list the cells far from the rest."""
    cells: list[tuple[int, int, bytes]] = []
    for body in _chunks(zf, member):
        for m in _CELL_RE.finditer(body):
            inner = m.group(2) or b""
            v = _VALUE_RE.search(inner)
            text = v.group(1) if v is not None else None
            if not text and b"<is>" not in inner:
                continue
            ref = _ATTR_R_RE.search(m.group(1))
            if ref is not None:
                kind = _ATTR_T_RE.search(m.group(1))
                tag = b"s:" if kind is not None and kind.group(1) == b"s" else b"v:"
                cells.append((int(ref.group(2)), column_number(ref.group(1)), tag + (text or b"")))
    scan.values = len(cells)
    scan.rows = max((r for r, _, _ in cells), default=0)
    scan.cols = max((c for _, c, _ in cells), default=0)
    if scan.too_large():
        scan.far = far_cells(cells)


def _cut(values: list[int], min_gap: int) -> int:
    """The last value before the first gap wider than ``min_gap`` in the sorted distinct values."""
    ordered = sorted(set(values))
    for a, b in zip(ordered, ordered[1:]):
        if b - a > min_gap:
            return a
    return ordered[-1] if ordered else 0


def _far(row: int, col: int, value: bytes) -> FarCell:
    text = value[2:].decode("utf-8", "replace")
    if value.startswith(b"s:") and text.isdigit():
        return FarCell(row, col, "", int(text))
    return FarCell(row, col, text[:40])


def far_cells(cells: list[tuple[int, int, bytes]]) -> list[FarCell]:
    """Value cells beyond the first wide gap of rows (> 1000) or columns (> 100); else the cell
    that stretches the box the most (last row, then last column)."""
    last_row = _cut([r for r, _, _ in cells], max(1000, len(cells) // 10))
    last_col = _cut([c for _, c, _ in cells], 100)
    far = [_far(r, c, v) for r, c, v in cells if r > last_row or c > last_col]
    if not far and cells:
        far = [_far(*max(cells, key=lambda x: (x[0] * x[1], x[0], x[1])))]
    return far


def declared_extent(zf: zipfile.ZipFile, member: str) -> SheetScan | None:
    """The extent of the sheet's declared ``<dimension ref="A1:T3014">`` (None when absent)."""
    with zf.open(member) as fh:
        head = fh.read(1 << 16)
    m = _DIM_RE.search(head)
    if m is None or not m.group(4) or not m.group(3):
        return None
    return SheetScan(rows=int(m.group(4)), cols=column_number(m.group(3)), values=None)


class SheetGuard:
    """Scan a sheet before it is read, or while it is read when that is safe.

    ``check()`` returns at once with the scan when it ran first (small sheet, or a declared
    dimension that is missing, huge or larger than the file could fill); otherwise the
    declared dimension stands for the extent (every spreadsheet program writes it) and only
    the formulas are looked for, in a thread, while the sheet is read; ``result()`` waits.
    """

    def __init__(self, path: str, member: str):
        self.path, self.member = path, member
        self._scan: SheetScan | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def check(self) -> SheetScan | None:
        """Scan now if needed before reading; return the scan when it is done."""
        with zipfile.ZipFile(self.path) as zf:
            size = zf.getinfo(self.member).file_size
            extent = declared_extent(zf, self.member)
            if (size <= FULL_SCAN_BYTES or extent is None
                    or extent.cells > min(MAX_CELLS, size)):
                self._scan = scan_sheet(zf, self.member)
                return self._scan
        self._thread = threading.Thread(target=self._run, args=(extent,),
                                        name="evalkit-sheet-scan", daemon=True)
        self._thread.start()
        return None

    def _run(self, extent: SheetScan) -> None:
        try:
            with zipfile.ZipFile(self.path) as zf:
                self._scan = scan_formulas(zf, self.member, extent)
        except BaseException as exc:  # noqa: BLE001 - reported by result()
            self._error = exc

    def result(self) -> SheetScan:
        """The scan (waits for the background scan)."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._scan is not None
        return self._scan
