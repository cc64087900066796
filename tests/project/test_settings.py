"""The settings table: documented, typed, layered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsstand.config import SETTINGS, load_settings
from newsstand.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE))
    missing = sorted(s.name for s in SETTINGS if s.name not in documented)
    assert not missing, f"settings missing from docs/settings.md: {missing}"
    stale = sorted(documented - {s.name for s in SETTINGS})
    assert not stale, f"docs/settings.md documents settings that do not exist: {stale}"


def test_every_setting_has_help_and_a_default_of_its_type() -> None:
    for s in SETTINGS:
        assert s.help.strip(), s.name
        assert isinstance(s.default, s.type), s.name


def test_environment_beats_file_beats_default(tmp_path: Path) -> None:
    toml = tmp_path / "n.toml"
    toml.write_text('[newsstand]\ntrial_days = 30\nport = 9000\nallow_private_addresses = ["127.0.0.1/32"]\n')
    settings = load_settings({"NEWSSTAND_PORT": "9100"}, config_file=toml)
    assert settings.trial_days == 30
    assert settings.sources["trial_days"].startswith("file:")
    assert settings.port == 9100
    assert settings.sources["port"] == "env"
    assert settings.allow_private_addresses == ("127.0.0.1/32",)
    assert settings.poll_min_seconds == 300
    assert settings.sources["poll_min_seconds"] == "default"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSSTAND_PORT": "eighty"}, "NEWSSTAND_PORT"),
        ({"NEWSSTAND_FETCH_FULL_TEXT": "perhaps"}, "NEWSSTAND_FETCH_FULL_TEXT"),
    ],
)
def test_malformed_values_are_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env, config_file=None)


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    toml = tmp_path / "n.toml"
    toml.write_text("trial_dayz = 3\n")
    with pytest.raises(ConfigError, match="trial_dayz"):
        load_settings({}, config_file=toml)


def test_secrets_are_masked() -> None:
    settings = load_settings(
        {
            "NEWSSTAND_DATABASE_URL": "postgresql+psycopg://user:hunter2@db/news",
            "NEWSSTAND_SMTP_PASSWORD": "s3cret",
        },
        config_file=None,
    )
    shown = {name: value for name, value, _ in settings.masked()}
    assert "hunter2" not in shown["database_url"]
    assert "db/news" in shown["database_url"]
    assert shown["smtp_password"] == "********"
