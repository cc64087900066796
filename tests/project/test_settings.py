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


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSSTAND_LOG_LEVEL": "LOUD"}, "NEWSSTAND_LOG_LEVEL: must be one of"),
        ({"NEWSSTAND_TRIAL_DAYS": "-5"}, "NEWSSTAND_TRIAL_DAYS: must be at least 1"),
        ({"NEWSSTAND_PER_HOST_CONCURRENCY": "0"}, "NEWSSTAND_PER_HOST_CONCURRENCY: must be at least 1"),
        ({"NEWSSTAND_MAX_RESPONSE_BYTES": "-1"}, "NEWSSTAND_MAX_RESPONSE_BYTES"),
        ({"NEWSSTAND_CONNECT_TIMEOUT": "nan"}, "NEWSSTAND_CONNECT_TIMEOUT: must be a finite number"),
        ({"NEWSSTAND_ALLOW_PRIVATE_ADDRESSES": "localhost"}, "not an address or a CIDR network"),
        ({"NEWSSTAND_BASE_URL": "news.example"}, "NEWSSTAND_BASE_URL"),
        ({"NEWSSTAND_POLL_MIN_SECONDS": "900", "NEWSSTAND_POLL_MAX_SECONDS": "600"}, "poll_min_seconds"),
    ],
)
def test_out_of_range_values_fail_when_read(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env, config_file=None)


def test_log_level_is_case_insensitive_and_replace_checks_too() -> None:
    settings = load_settings({"NEWSSTAND_LOG_LEVEL": "debug"}, config_file=None)
    assert settings.log_level == "DEBUG"
    with pytest.raises(ConfigError, match="at least 1"):
        settings.replace(trial_days=0)
    assert settings.replace(trial_days="30").trial_days == 30


def test_allowing_every_address_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    load_settings({"NEWSSTAND_ALLOW_PRIVATE_ADDRESSES": "0.0.0.0/0"}, config_file=None)
    assert "may reach every address" in caplog.text


def test_settings_are_typed_fields() -> None:
    settings = load_settings({}, config_file=None)
    # mypy checks uses; at run time the values carry the declared types too
    assert isinstance(settings.port, int)
    assert isinstance(settings.connect_timeout, float)
    assert isinstance(settings.allow_private_addresses, tuple)
    assert "example.org" not in settings.user_agent  # no placeholder contact in the default


def test_config_shows_the_generated_secret_key_as_set(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("abc123\n")
    settings = load_settings({"NEWSSTAND_DATA_DIR": str(tmp_path)}, config_file=None)
    shown = {name: (value, source) for name, value, source in settings.masked()}
    assert shown["secret_key"][0] == "********"
    assert "secret_key" in shown["secret_key"][1]


def test_serving_beyond_this_machine_without_base_url_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    load_settings({"NEWSSTAND_HOST": "0.0.0.0"}, config_file=None)
    assert "Set base_url" in caplog.text
    caplog.clear()
    load_settings(
        {"NEWSSTAND_HOST": "0.0.0.0", "NEWSSTAND_BASE_URL": "https://news.example"}, config_file=None
    )
    assert "Set base_url" not in caplog.text
