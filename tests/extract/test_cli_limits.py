"""`newsstand extract` and `import` on what is not a page (issue 15): endless, huge, packed or
binary files stop at once with a clear error and a non-zero exit; an import's link must be a
web address; ids past what a row can have are usage errors, not tracebacks."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsstand.cli import main
from newsstand.cli.extract import MAX_PAGE_BYTES, looks_binary

from .test_textimport import OWN_ARTICLE

SRC = Path(__file__).resolve().parents[2] / "src"


def newsstand(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real command in a process of its own (its memory and exit code are its own)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "NEWSSTAND_DATA_DIR": str(tmp_path / "data"),
        "NEWSSTAND_DATABASE_URL": "",
    }
    code = "from newsstand.cli import entry; entry()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("command", ["extract", "import"])
def test_an_endless_file_stops_at_the_cap(tmp_path: Path, command: str) -> None:
    start = time.monotonic()
    done = newsstand(tmp_path, command, "/dev/zero", timeout=60)
    assert time.monotonic() - start < 30
    assert done.returncode != 0
    assert "larger than 10,000,000 bytes" in done.stderr and "Traceback" not in done.stderr


def test_a_gzip_bomb_stops_at_the_cap(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"a" * (MAX_PAGE_BYTES * 4), compresslevel=9))
    assert bomb.stat().st_size < 200_000
    done = newsstand(tmp_path, "extract", str(bomb))
    assert done.returncode == 1 and "unpacks to more than" in done.stderr


def test_a_binary_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)) * 200)
    done = newsstand(tmp_path, "extract", str(binary))
    assert done.returncode == 1
    assert "binary file" in done.stderr and len(done.stdout.splitlines()) < 3


def test_text_in_any_form_is_not_called_binary() -> None:
    assert not looks_binary("<p>Grüße aus Köln</p>\n\tund mehr".encode())
    assert not looks_binary("<p>text</p>".encode("utf-16"))
    assert not looks_binary(b"")
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<script>1</script>", "ftp://x.example/a"]
)
def test_import_refuses_a_link_that_is_not_a_web_address(tmp_path: Path, link: str) -> None:
    source = tmp_path / "article.txt"
    source.write_text(OWN_ARTICLE, encoding="utf-8")
    env = {"NEWSSTAND_DATA_DIR": str(tmp_path / "data"), "NEWSSTAND_DATABASE_URL": ""}
    result = CliRunner(env=env).invoke(main, ["import", str(source), "--url", link, "--create-publisher"])
    assert result.exit_code != 0
    assert "must start with http:// or https://" in str(result.exception)


@pytest.mark.parametrize(
    "args",
    [
        ("articles", "show", "99999999999999999999999"),
        ("stories", "show", "99999999999999999999999"),
        ("fetch", "99999999999999999999999"),
        ("sources", "show", "99999999999999999999999"),
    ],
)
def test_ids_past_64_bits_are_clear_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = newsstand(tmp_path, *args)
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr and "OverflowError" not in done.stderr
    assert "99999999999999999999999" in done.stderr or "range" in done.stderr
