"""``python -m evalkit.catalogue``: rewrite the catalogue block of ``docs/metrics.md``.

``python -m evalkit.catalogue --check`` exits 1 when the block is out of date (the test suite
runs the same check).
"""

from __future__ import annotations

import sys

from evalkit.catalogue import docs_block_current, write_docs_block


def main(argv: list[str]) -> int:
    """Check (``--check``) or rewrite the block; return the exit code."""
    if "--check" in argv:
        ok = docs_block_current()
        print("docs/metrics.md 目录表为最新 / up to date" if ok else
              "docs/metrics.md 目录表已过期，请运行 python -m evalkit.catalogue / out of date")
        return 0 if ok else 1
    path = write_docs_block()
    print(f"已更新 / rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
