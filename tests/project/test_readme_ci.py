"""The README's two commands and .ci/run must not drift apart."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fenced_commands(section: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {section}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {section}' section"
    return re.findall(r"```sh\n(.+?)\n```", match.group(1), re.DOTALL)


def test_readme_has_exactly_one_start_and_one_test_command() -> None:
    assert len(_fenced_commands("Start")) == 1
    assert len(_fenced_commands("Test")) == 1


def test_ci_runs_the_readme_test_command() -> None:
    (command,) = _fenced_commands("Test")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command.strip() in ci_lines, ".ci/run does not run the README's test command"


def test_start_command_runs_the_main_job() -> None:
    (command,) = _fenced_commands("Start")
    assert command.rstrip().endswith("newsstand serve")
