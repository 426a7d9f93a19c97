"""`make plugin-zip`: dist/tokengate.zip, installable from WordPress's "Upload Plugin" screen.

The archive holds one top-level folder, tokengate/, as WordPress expects; files are stored in
sorted order with a fixed date, so the same sources give the same zip.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "wp-plugin" / "tokengate"
OUTPUT = ROOT / "dist" / "tokengate.zip"
SKIP = {".DS_Store", "Thumbs.db"}


def build(output: Path = OUTPUT) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in PLUGIN.rglob("*") if p.is_file() and p.name not in SKIP)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"tokengate/{path.relative_to(PLUGIN).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return output


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
