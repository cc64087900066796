"""No file of the project keeps the markers a merge conflict leaves behind."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.M)


def test_no_merge_conflict_markers() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    found = []
    for name in tracked or [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.md")]:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".html", ".j2", ".js", ".css", ".toml", ".txt", ".cfg"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        if MARKER.search(text):
            found.append(name)
    assert not found, f"merge conflict markers in {found}"
