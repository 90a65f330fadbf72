#!/usr/bin/env python
"""Build evalkit's bundled CJK chart font: a GB2312 subset of Noto Sans CJK SC Regular.

Charts must render Chinese on a machine with no CJK font installed, so evalkit ships a small
subset of an open-licence (SIL OFL 1.1) font in ``evalkit/fonts/``. This script is how that file
was made; it is a maintainer tool, not a runtime dependency (it needs ``fontTools``:
``.venv/bin/pip install fonttools``).

Source: Debian package ``fonts-noto-cjk`` (``NotoSansCJK-Regular.ttc``), face "Noto Sans CJK SC".

Character set (only code points the source font actually maps are kept):

* ASCII printable and Latin-1 (U+0020-007E, U+00A0-00FF);
* General Punctuation, CJK Symbols and Punctuation, Halfwidth and Fullwidth Forms, a few
  symbols charts use (℃ ‰ № × ÷ ± ① … ▲ ▼ ● ○ ■ □ ◆ ★ ↑ ↓ → ←);
* every character of GB2312 (all 94x94 rows decoded, i.e. the 6763 hanzi of 0xB0A1-0xF7FE plus
  the GB2312 symbol rows);
* every non-ASCII character used in evalkit's own source, templates and frameworks, so that no
  built-in label can miss a glyph.

Output is TrueType-flavoured (quadratic ``glyf`` outlines, converted from the CFF cubic outlines
with ``cu2qu``) so that every matplotlib backend can use it (PNG via Agg, but also PDF/PS/SVG
font embedding, which do not support CFF-flavoured OpenType). Hinting, vertical metrics and
OpenType layout tables are dropped: matplotlib lays out horizontally with ``hmtx`` only.

The family is renamed to ``Evalkit Sans SC`` because the file is a Modified Version under the
OFL; the embedded notice declares no Reserved Font Name, but the rename keeps it distinct from an
installed "Noto Sans CJK SC" (so tests can tell which file was used) and avoids using the
"Noto" trademark as the primary name of a modified font.

Usage::

    .venv/bin/python scripts/build_font_subset.py            # writes evalkit/fonts/*
    .venv/bin/python scripts/build_font_subset.py --source /path/NotoSansCJK-Regular.ttc --otf
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

ROOT = Path(__file__).resolve().parents[1]
FONTS_DIR = ROOT / "evalkit" / "fonts"
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
SOURCE_FAMILY = "Noto Sans CJK SC"

FAMILY = "Evalkit Sans SC"
PS_NAME = "EvalkitSansSC-Regular"
STEM = "NotoSansSC-evalkit-subset"

# Source files whose non-ASCII characters must be covered (labels, titles, templates).
SCAN_GLOBS = ("evalkit/**/*.py", "evalkit/**/*.yaml", "evalkit/**/*.yml", "evalkit/**/*.html",
              "evalkit/**/*.j2", "evalkit/**/*.jinja", "evalkit/**/*.css",
              "tests/fixtures/*.json")

EXTRA_SYMBOLS = "℃‰№×÷±·—–‘’“”…、。〈〉《》「」『』【】〔〕①②③④⑤⑥⑦⑧⑨⑩▲▼△▽●○■□◆◇★☆↑↓→←✓"


def _gb2312_rows(first: int, last: int) -> list[str]:
    """The characters of GB2312 rows ``first``..``last`` (cells 0xA1-0xFE; undefined cells skipped)."""
    out = []
    for hi in range(first, last + 1):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def gb2312_chars() -> list[str]:
    """Every character of GB2312: rows 0xA1-0xF7."""
    return _gb2312_rows(0xA1, 0xF7)


def gb2312_hanzi() -> list[str]:
    """The 6763 GB2312 hanzi (rows 0xB0-0xF7)."""
    return _gb2312_rows(0xB0, 0xF7)


def project_chars(root: Path = ROOT) -> set[str]:
    """Non-ASCII characters used in evalkit's own files (labels, frameworks, templates)."""
    chars: set[str] = set()
    for pattern in SCAN_GLOBS:
        for path in root.glob(pattern):
            if "fonts" in path.parts:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            chars.update(ch for ch in text if ord(ch) > 0x7F and ch.isprintable())
    return chars


def required_codepoints(root: Path = ROOT) -> set[int]:
    """Code points the subset must have: ASCII, GB2312 and evalkit's own characters."""
    cps: set[int] = set(range(0x20, 0x7F))
    cps |= {ord(c) for c in gb2312_chars()}
    cps |= {ord(c) for c in project_chars(root)}
    return cps


def optional_codepoints() -> set[int]:
    """Blocks kept where the source font has them (it lacks some rare punctuation)."""
    cps: set[int] = set(range(0xA0, 0x100))                            # Latin-1
    cps |= set(range(0x2010, 0x2028)) | set(range(0x2030, 0x205F))   # general punctuation
    cps |= set(range(0x3000, 0x3040))                                  # CJK symbols & punctuation
    cps |= set(range(0xFF01, 0xFF5F)) | set(range(0xFFE0, 0xFFE7))     # full-width forms
    cps |= {ord(c) for c in EXTRA_SYMBOLS}
    return cps


def find_face(ttc: Path, family: str = SOURCE_FAMILY) -> int:
    """Index of the face named ``family`` inside a TTC (or 0 for a single font file)."""
    if ttc.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    coll = TTCollection(str(ttc), lazy=True)
    for i, font in enumerate(coll.fonts):
        if font["name"].getDebugName(1) == family:
            return i
    raise SystemExit(f"{ttc}: no face named {family!r}")


def cff_to_glyf(font: TTFont, max_err: float = 1.0) -> None:
    """Convert CFF (cubic) outlines to TrueType ``glyf`` (quadratic) in place."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    post = font["post"]
    post.formatType = 3.0   # no glyph names: smaller, and CID names carry no information
    head = font["head"]
    head.glyphDataFormat = 0
    head.indexToLocFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    for glyph in glyphs.values():
        glyph.recalcBounds(glyf)


def rename(font: TTFont, source_version: str) -> None:
    """Give the subset its own family name (OFL Modified Version) and a version note."""
    name = font["name"]
    version = f"Version {source_version}; evalkit GB2312 subset"
    for rec_id, value in {1: FAMILY, 2: "Regular", 3: f"{PS_NAME};evalkit-subset",
                          4: f"{FAMILY} Regular", 5: version, 6: PS_NAME,
                          16: FAMILY, 17: "Regular"}.items():
        name.removeNames(nameID=rec_id)
        name.setName(value, rec_id, 3, 1, 0x409)
    note = ("Modified Version (subset, TrueType outlines, renamed) of Noto Sans CJK SC "
            f"{source_version}, made for evalkit by scripts/build_font_subset.py.")
    name.removeNames(nameID=10)
    name.setName(note, 10, 3, 1, 0x409)
    if "CFF " in font:
        font["CFF "].cff.fontNames = [PS_NAME]


def build(source: Path, out_dir: Path, keep_cff: bool = False) -> Path:
    index = find_face(source)
    font = TTFont(str(source), fontNumber=index, lazy=False)
    cmap = font.getBestCmap()
    required = required_codepoints()
    wanted = required | optional_codepoints()
    have = sorted(cp for cp in wanted if cp in cmap)
    missing = sorted(cp for cp in required if cp not in cmap)
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763, len(hanzi)
    absent_hanzi = [c for c in hanzi if ord(c) not in cmap]
    if absent_hanzi:
        raise SystemExit(f"source font lacks GB2312 hanzi: {''.join(absent_hanzi[:20])}")
    source_version = re.sub(r"^Version\s+", "", font["name"].getDebugName(5) or "?").split(";")[0]

    options = subset.Options()
    options.layout_features = []          # matplotlib does no OpenType shaping
    options.hinting = False
    options.desubroutinize = not keep_cff  # cu2qu works on plain charstrings
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17]
    options.name_languages = [0x409]
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "GSUB", "GPOS", "GDEF", "DSIG"]
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=have)
    subsetter.subset(font)

    rename(font, source_version)
    if not keep_cff:
        cff_to_glyf(font)
    suffix = ".otf" if keep_cff else ".ttf"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{STEM}{suffix}"
    for old in out_dir.glob(f"{STEM}.*"):
        if old != out:
            old.unlink()
    tmp = out.with_name(f".{out.name}.tmp")
    font.recalcTimestamp = False   # keep the source's head.modified: rebuilds are byte-identical
    font.save(str(tmp))
    tmp.replace(out)
    print(f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
          f"{out.stat().st_size / 1e6:.2f} MB, {len(have)} code points "
          f"({len(hanzi)} GB2312 hanzi), face #{index} of {source.name} v{source_version}")
    if missing:
        print("  note: characters used in evalkit's files but absent from the source font "
              "(charts fall back to DejaVu Sans for these): "
              + " ".join(f"U+{cp:04X} {chr(cp)}" for cp in missing[:40]), file=sys.stderr)
    return out


def write_licence(out_dir: Path) -> Path:
    """OFL.txt: the copyright notice embedded in the font plus the OFL 1.1 text from Debian."""
    text = DEBIAN_COPYRIGHT.read_text(encoding="utf-8")
    m = re.search(r"^License: SIL-1\.1\n((?:[ \t].*\n?)+)", text, re.M)
    if not m:
        raise SystemExit(f"{DEBIAN_COPYRIGHT}: SIL-1.1 licence text not found")
    body = []
    for line in m.group(1).splitlines():
        line = line[1:] if line.startswith(" ") else line
        body.append("" if line == "." else line)
    licence = "\n".join(body).strip("\n") + "\n"
    header = (
        "Copyright © 2014-2021 Adobe (http://www.adobe.com/).\n"
        "Noto is a trademark of Google Inc.\n"
        "(Debian's copyright file for fonts-noto-cjk lists: Copyright 2010-2012, Google "
        "Corporation.)\n\n"
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n"
        "This license is copied below, and is also available with a FAQ at:\n"
        "https://openfontlicense.org\n\n"
    )
    out = out_dir / "OFL.txt"
    out.write_text(header + licence, encoding="utf-8")
    return out


def package_version() -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "fonts-noto-cjk"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="NotoSansCJK-Regular.ttc (or NotoSansCJKsc-Regular.otf)")
    parser.add_argument("--out-dir", type=Path, default=FONTS_DIR)
    parser.add_argument("--otf", action="store_true",
                        help="keep CFF outlines (.otf); default converts to TrueType (.ttf)")
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    build(args.source, args.out_dir, keep_cff=args.otf)
    write_licence(args.out_dir)
    print(f"fonts-noto-cjk {package_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
