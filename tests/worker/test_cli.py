"""`newsstand worker` and `newsstand scheduler` without a broker: refused at once, naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsstand.cli import main
from newsstand.errors import ConfigError


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_without_a_broker_they_say_which_setting_is_missing(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSSTAND_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NEWSSTAND_BROKER_URL", raising=False)
    result = CliRunner().invoke(main, [command])
    assert isinstance(result.exception, ConfigError)  # `newsstand` prints it as one line, exit 2
    assert result.exception.setting == "broker_url"
    assert not (tmp_path / "newsstand.db").exists()  # refused before anything was opened
