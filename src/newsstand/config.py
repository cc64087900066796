"""The one settings table.

Every setting is declared once in ``SETTINGS`` with its type, default, help and
whether it is secret. Values come from, in rising priority: the defaults, an
optional TOML file (``NEWSSTAND_CONFIG`` or ``./newsstand.toml``), and
environment variables named ``NEWSSTAND_<NAME>`` in upper case.
docs/settings.md documents each one; a test fails when it does not.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsstand.errors import ConfigError

SettingValue = str | int | float | bool | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: type
    default: SettingValue
    help: str
    secret: bool = False

    @property
    def env_var(self) -> str:
        return "NEWSSTAND_" + self.name.upper()


def _s(name: str, type_: type, default: SettingValue, help_: str, secret: bool = False) -> Setting:
    return Setting(name, type_, default, help_, secret)


SETTINGS: tuple[Setting, ...] = (
    # storage
    _s("data_dir", str, "./data", "Folder for the SQLite database, outbox and other local files."),
    _s(
        "database_url",
        str,
        "",
        "SQLAlchemy URL of the database. Empty means SQLite in data_dir/newsstand.db. "
        "Use postgresql+psycopg://user@host/db for PostgreSQL.",
        True,
    ),
    # fetching
    _s(
        "user_agent",
        str,
        "Newsstand/0.1 (+https://example.org/newsstand; feed fetcher)",
        "User-Agent sent with every request; say who you are so publishers can reach you.",
    ),
    _s("connect_timeout", float, 10.0, "Seconds to wait for a TCP/TLS connection."),
    _s("read_timeout", float, 20.0, "Seconds to wait between bytes of a response."),
    _s("total_timeout", float, 60.0, "Seconds one fetch may take in all, redirects included."),
    _s("max_response_bytes", int, 10_000_000, "Cap on a decompressed response body, in bytes."),
    _s("max_redirects", int, 5, "Redirects followed before a fetch fails."),
    _s("per_host_concurrency", int, 2, "Fetches in flight to one host at a time."),
    _s("fetch_concurrency", int, 32, "Fetches in flight in all."),
    _s("parse_processes", int, 0, "Worker processes parsing and sanitizing feeds; 0 parses in a thread."),
    _s(
        "allow_private_addresses",
        tuple,
        (),
        "Addresses or networks (CIDR) the fetcher may reach although they are loopback or "
        "private, e.g. 127.0.0.1/32 for tests. Empty refuses them all.",
    ),
    _s("poll_min_seconds", int, 300, "Shortest interval between two polls of one feed."),
    _s("poll_max_seconds", int, 86_400, "Longest interval between two polls of one feed."),
    _s("failing_after", int, 5, "Consecutive failures after which a feed is marked failing."),
    _s(
        "fetch_full_text",
        bool,
        True,
        "Fetch article pages for teaser-only feed items, and re-fetch recent live blogs.",
    ),
    # serving
    _s("host", str, "127.0.0.1", "Address the web reader listens on."),
    _s("port", int, 8080, "Port the web reader listens on."),
    _s("base_url", str, "", "Public URL of the reader, for links in emails; empty derives it."),
    _s(
        "secret_key", str, "", "Key that signs sessions and tokens; generated into data_dir when empty.", True
    ),
    _s("trial_days", int, 14, "Length of a new member's free trial, in days."),
    _s("preview_paragraphs", int, 3, "Paragraphs shown before the paywall."),
    _s("login_attempts_per_minute", int, 5, "Sign-in and reset attempts allowed per account and address."),
    _s("session_days", int, 30, "Days a sign-in lasts before the reader must sign in again."),
    _s(
        "home_cache_seconds",
        float,
        5.0,
        "Seconds the web reader reuses the front page's data and anonymous readers' pages; 0 turns it off.",
    ),
    _s("live_poll_seconds", float, 2.0, "Seconds between a live-blog event stream's checks for new entries."),
    # mail
    _s("smtp_host", str, "", "SMTP server for outgoing mail; empty writes mail to data_dir/outbox."),
    _s("smtp_port", int, 587, "SMTP port."),
    _s("smtp_user", str, "", "SMTP user name."),
    _s("smtp_password", str, "", "SMTP password.", True),
    _s("smtp_starttls", bool, True, "Use STARTTLS with the SMTP server."),
    _s("mail_from", str, "Newsstand <no-reply@localhost>", "Sender of outgoing mail."),
    # logging
    _s("log_level", str, "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(setting: Setting, raw: Any) -> SettingValue:
    """Turn a raw env or TOML value into the setting's type, or raise ConfigError."""
    try:
        if setting.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(raw)
        if setting.type is tuple:
            if isinstance(raw, list | tuple):
                return tuple(str(x).strip() for x in raw if str(x).strip())
            return tuple(x.strip() for x in str(raw).split(",") if x.strip())
        if setting.type is int:
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        if setting.type is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{setting.env_var}: expected {setting.type.__name__}, got {raw!r}", setting.name
        ) from exc


@dataclass(frozen=True)
class Settings:
    """Effective settings: ``values`` maps each name to its value, ``sources`` to where it came from."""

    values: Mapping[str, SettingValue]
    sources: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str) -> Any:
        if name not in _BY_NAME:
            raise ConfigError(f"unknown setting {name!r}", name)
        return self.values[name]

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some values changed (for tests and CLI flags)."""
        values = dict(self.values)
        sources = dict(self.sources)
        for name, raw in changes.items():
            if name not in _BY_NAME:
                raise ConfigError(f"unknown setting {name!r}", name)
            values[name] = _coerce(_BY_NAME[name], raw)
            sources[name] = "override"
        return Settings(values, sources)

    @property
    def data_path(self) -> Path:
        return Path(str(self.values["data_dir"])).expanduser()

    @property
    def effective_database_url(self) -> str:
        url = str(self.values["database_url"])
        if url:
            return url
        return f"sqlite:///{(self.data_path / 'newsstand.db').resolve()}"

    def masked(self) -> list[tuple[str, str, str]]:
        """(name, shown value, source) for every setting, secrets masked."""
        rows = []
        for s in SETTINGS:
            value = self.values[s.name]
            shown = _show(value)
            if s.secret and value:
                shown = _mask_url(str(value)) if s.name == "database_url" else "********"
            rows.append((s.name, shown, self.sources[s.name]))
        return rows


def _show(value: SettingValue) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _mask_url(url: str) -> str:
    """Hide the password in a database URL but keep the rest readable."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "********"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    section = data.get("newsstand", data)
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [newsstand] must be a table")
    unknown = sorted(set(section) - set(_BY_NAME))
    if unknown:
        raise ConfigError(f"config file {path}: unknown settings {', '.join(unknown)}")
    return section


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Read the effective settings. Raises ConfigError on a malformed value or file."""
    env = os.environ if environ is None else environ
    values: dict[str, SettingValue] = {s.name: s.default for s in SETTINGS}
    sources = {s.name: "default" for s in SETTINGS}
    path = config_file
    if path is None and env.get("NEWSSTAND_CONFIG"):
        path = Path(env["NEWSSTAND_CONFIG"])
    if path is None and Path("newsstand.toml").is_file():
        path = Path("newsstand.toml")
    if path is not None:
        for name, raw in _read_toml(path).items():
            values[name] = _coerce(_BY_NAME[name], raw)
            sources[name] = f"file:{path}"
    for s in SETTINGS:
        if s.env_var in env:
            values[s.name] = _coerce(s, env[s.env_var])
            sources[s.name] = "env"
    return Settings(values, sources)
