"""The one settings table.

``Settings`` is a frozen dataclass whose fields *are* the table: each field declares
its type (checked by mypy at every use), default, help, whether it is secret and
what values it accepts. ``SETTINGS`` lists them for the CLI and the documentation
test. Values come from, in rising priority: the defaults, an optional TOML file
(``NEWSSTAND_CONFIG`` or ``./newsstand.toml``), and environment variables named
``NEWSSTAND_<NAME>`` in upper case. A value that is malformed or out of range is a
ConfigError when the settings are read, never a failure later in a fetch or a page.
docs/settings.md documents each one; a test fails when it does not.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import math
import os
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsstand.errors import ConfigError, InvalidDataError
from newsstand.model import Plan
from newsstand.timezones import zone

SettingValue = str | int | float | bool | tuple[str, ...]
Check = Callable[[Any], str | None]  # returns what is wrong with a value, or None

log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _at_least(low: float) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        return None if value >= low else f"must be at least {low:g}"

    return check


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return check


def _networks(value: Any) -> str | None:
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            return f"{item!r} is not an address or a CIDR network"
    return None


def _url_or_empty(value: Any) -> str | None:
    if value and not str(value).startswith(("http://", "https://")):
        return "must start with http:// or https://, or be empty"
    return None


def _currency(value: Any) -> str | None:
    text = str(value)
    return None if len(text) == 3 and text.isalpha() else "must be a three-letter ISO 4217 code"


def _plans(value: Any) -> str | None:
    if not value:
        return "must name at least one plan"
    ids = []
    for spec in value:
        try:
            ids.append(Plan.parse(spec, "EUR").id)  # the currency is checked on its own
        except InvalidDataError as exc:
            return str(exc)
    return None if len(set(ids)) == len(ids) else "names a plan id twice"


def _time_zone(value: Any) -> str | None:
    try:
        zone(str(value))
    except InvalidDataError as exc:
        return str(exc)
    return None


def _pairs(value: Any) -> str | None:
    for item in value:
        key, _, val = str(item).partition("=")
        if not key.strip() or not val.strip():
            return f"{item!r} is not NAME=VALUE"
    return None


def _setting(default: SettingValue, help_: str, *, secret: bool = False, check: Check | None = None) -> Any:
    """One row of the table, as a dataclass field (typed as ``Any`` so each field keeps its own type)."""
    return field(default=default, metadata={"help": help_, "secret": secret, "check": check})


# Sent as is until base_url is set, which then goes in as the contact address (see effective_user_agent).
DEFAULT_USER_AGENT = "Newsstand/0.1 (feed fetcher)"


@dataclass(frozen=True, slots=True)
class Settings:
    """Effective settings; ``sources`` maps each name to where its value came from."""

    # storage
    data_dir: str = _setting("./data", "Folder for the SQLite database, outbox and other local files.")
    database_url: str = _setting(
        "",
        "SQLAlchemy URL of the database. Empty means SQLite in data_dir/newsstand.db. "
        "Use postgresql+psycopg://user@host/db for PostgreSQL.",
        secret=True,
    )
    # fetching
    user_agent: str = _setting(
        DEFAULT_USER_AGENT,
        "User-Agent sent with every request; add a contact URL so publishers can reach you.",
    )
    connect_timeout: float = _setting(10.0, "Seconds to wait for a TCP/TLS connection.", check=_at_least(0.1))
    read_timeout: float = _setting(20.0, "Seconds to wait between bytes of a response.", check=_at_least(0.1))
    total_timeout: float = _setting(
        60.0, "Seconds one fetch may take in all, redirects included.", check=_at_least(0.1)
    )
    max_response_bytes: int = _setting(
        10_000_000, "Cap on a decompressed response body, in bytes.", check=_at_least(1024)
    )
    max_redirects: int = _setting(5, "Redirects followed before a fetch fails.", check=_at_least(0))
    per_host_concurrency: int = _setting(2, "Fetches in flight to one host at a time.", check=_at_least(1))
    fetch_concurrency: int = _setting(32, "Fetches in flight in all.", check=_at_least(1))
    parse_processes: int = _setting(
        0, "Worker processes parsing and sanitizing feeds; 0 parses in a thread.", check=_at_least(0)
    )
    stories_process_articles: int = _setting(
        200_000,
        "Articles the process that groups stories places before a fresh one replaces it; 0 "
        "groups them in a thread of the process running the service loop.",
        check=_at_least(0),
    )
    allow_private_addresses: tuple[str, ...] = _setting(
        (),
        "Addresses or networks (CIDR) the fetcher may reach although they are loopback or "
        "private, e.g. 127.0.0.1/32 for tests. Empty refuses them all.",
        check=_networks,
    )
    poll_min_seconds: int = _setting(
        300, "Shortest interval between two polls of one feed.", check=_at_least(1)
    )
    poll_max_seconds: int = _setting(
        86_400, "Longest interval between two polls of one feed.", check=_at_least(1)
    )
    failing_after: int = _setting(
        5, "Consecutive failures after which a feed is marked failing.", check=_at_least(1)
    )
    fetch_full_text: bool = _setting(
        True, "Fetch article pages for teaser-only feed items, and re-fetch recent live blogs."
    )
    # serving
    host: str = _setting("127.0.0.1", "Address the web reader listens on.")
    port: int = _setting(8080, "Port the web reader listens on.", check=_at_least(1))
    base_url: str = _setting(
        "", "Public URL of the reader, for links in emails; empty derives it.", check=_url_or_empty
    )
    allowed_hosts: tuple[str, ...] = _setting(
        ("localhost", "127.0.0.1", "::1"),
        "Host names whose Host header may start the links in mail when base_url is empty; links "
        "asked for under any other host point at host:port instead, with a warning in the log.",
    )
    https: bool = _setting(
        False,
        "Mark cookies Secure and send HSTS although requests arrive over plain http (behind a "
        "proxy that ends TLS); https requests and an https base_url do so anyway.",
    )
    secret_key: str = _setting(
        "", "Key that signs sessions and tokens; generated into data_dir when empty.", secret=True
    )
    trial_days: int = _setting(14, "Length of a new member's free trial, in days.", check=_at_least(1))
    preview_paragraphs: int = _setting(3, "Paragraphs shown before the paywall.", check=_at_least(1))
    login_attempts_per_minute: int = _setting(
        5, "Sign-in and reset attempts allowed per account and address.", check=_at_least(0)
    )
    api_requests_per_minute: int = _setting(
        300, "API requests allowed per API token in a minute (bursts up to it).", check=_at_least(0)
    )
    api_anonymous_requests_per_minute: int = _setting(
        60, "API requests allowed per client address without a token in a minute.", check=_at_least(0)
    )
    readers_may_add_feeds: bool = _setting(
        False,
        "Whether readers may subscribe (through the reader apps' APIs or an OPML file) to feeds "
        "that are not in the catalog; such feeds are added to the catalog like an operator's.",
    )
    session_days: int = _setting(
        30, "Days a sign-in lasts before the reader must sign in again.", check=_at_least(1)
    )
    home_cache_seconds: float = _setting(
        5.0,
        "Seconds the web reader reuses the front page's data and anonymous readers' pages; 0 turns it off.",
        check=_at_least(0),
    )
    web_threads: int = _setting(
        8,
        "Threads a web process runs store and service calls in (pages, API requests) while its "
        "event loop answers the rest.",
        check=_at_least(1),
    )
    live_poll_seconds: float = _setting(
        2.0, "Seconds between a live-blog event stream's checks for new entries.", check=_at_least(0.05)
    )
    live_streams_per_client: int = _setting(
        8,
        "Live-blog event streams one client address may hold open at once; more are answered 429.",
        check=_at_least(1),
    )
    default_time_zone: str = _setting(
        "UTC",
        "IANA time zone for times shown to readers who chose none (anonymous readers, new accounts "
        "whose browser said nothing).",
        check=_time_zone,
    )
    # mail
    smtp_host: str = _setting("", "SMTP server for outgoing mail; empty writes mail to data_dir/outbox.")
    smtp_port: int = _setting(587, "SMTP port.", check=_at_least(1))
    smtp_user: str = _setting("", "SMTP user name.")
    smtp_password: str = _setting("", "SMTP password.", secret=True)
    smtp_tls: str = _setting(
        "starttls",
        "How the SMTP connection is encrypted: starttls (port 587), implicit (port 465) or none.",
        check=_one_of("starttls", "implicit", "none"),
    )
    smtp_ca_file: str = _setting(
        "", "PEM file of authorities to trust for the SMTP server's certificate; empty: the system's."
    )
    mail_from: str = _setting("Newsstand <no-reply@localhost>", "Sender of outgoing mail.")
    mail_max_attempts: int = _setting(
        12, "Delivery attempts of one queued mail before it is given up as dead.", check=_at_least(1)
    )
    mail_retry_seconds: int = _setting(
        60, "Wait before the first retry of a mail; it doubles with each failed attempt.", check=_at_least(1)
    )
    jobs_seconds: float = _setting(
        15.0,
        "Seconds between the service loop's rounds of mail delivery and scheduled jobs (trial "
        "reminders, daily digests).",
        check=_at_least(0.05),
    )
    # membership plans and payments
    payment_provider: str = _setting(
        "manual",
        "Where readers pay: manual (operators grant memberships) or stripe (Checkout, the "
        "customer portal and webhooks; needs the stripe_* settings).",
        check=_one_of("manual", "stripe"),
    )
    support_email: str = _setting(
        "", "Address readers write to about memberships; shown when payments are manual."
    )
    plans: tuple[str, ...] = _setting(
        ("monthly:month:9.00", "yearly:year:90.00"),
        "Plans on sale, each ID:INTERVAL:AMOUNT[:AUDIENCE] (interval month or year; audience "
        "student or family for reduced plans).",
        check=_plans,
    )
    currency: str = _setting("EUR", "ISO 4217 currency of every plan's price.", check=_currency)
    payment_grace_days: int = _setting(
        7, "Days a member keeps reading after a renewal payment fails.", check=_at_least(0)
    )
    stripe_secret_key: str = _setting("", "Stripe secret API key; empty turns Stripe off.", secret=True)
    stripe_webhook_secret: str = _setting(
        "", "Signing secret of the Stripe webhook endpoint (whsec_...).", secret=True
    )
    stripe_prices: tuple[str, ...] = _setting(
        (), "Stripe price of each plan, as PLAN_ID=PRICE_ID.", check=_pairs
    )
    stripe_api_base: str = _setting(
        "",
        "Base URL of the Stripe API; empty is Stripe's own (tests point it at a local server).",
        check=_url_or_empty,
    )
    # distributed ingestion and shared state (docs/deploy.md)
    broker_url: str = _setting(
        "",
        "RabbitMQ URL (amqp://user:password@host:5672/vhost) for `newsstand worker` and `newsstand"
        " scheduler`; empty: no broker, `serve` and `run` ingest in their own process.",
        secret=True,
    )
    queue_prefix: str = _setting(
        "newsstand", "Prefix of the broker's queue names and Redis keys (one per deployment)."
    )
    scheduler_seconds: float = _setting(
        5.0, "Seconds between two looks of the scheduler for due feeds.", check=_at_least(0.1)
    )
    scheduler_lease_seconds: float = _setting(
        30.0,
        "Seconds a scheduler stays leader without renewing; a waiting scheduler takes over after it.",
        check=_at_least(1),
    )
    requeue_seconds: float = _setting(
        600.0,
        "Seconds after which a feed queued but not polled (a message lost) is queued again.",
        check=_at_least(1),
    )
    feed_lease_seconds: float = _setting(
        300.0,
        "Seconds a worker holds a feed it polls; a killed worker's feed is polled again after it.",
        check=_at_least(1),
    )
    cache_url: str = _setting(
        "",
        "Redis URL (redis://host:6379/0) for the caches several web processes share; empty keeps"
        " them in each process.",
        secret=True,
    )
    metrics_token: str = _setting(
        "",
        "Bearer token that may read /metrics; empty: operators only (signed in as admin).",
        secret=True,
    )
    # logging
    log_level: str = _setting(
        "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR.", check=_one_of(*LOG_LEVELS)
    )
    log_format: str = _setting(
        "text",
        "Log lines as text, or as JSON objects (one a line, with the request id) for a log collector.",
        check=_one_of("text", "json"),
    )
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def get(self, name: str) -> SettingValue:
        """A setting by name (for code that lists settings). Raises ConfigError for an unknown name."""
        if name not in _BY_NAME:
            raise ConfigError(f"unknown setting {name!r}", name)
        value: SettingValue = getattr(self, name)
        return value

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (for tests and CLI flags), coerced and checked as if read."""
        values: dict[str, Any] = {}
        sources = dict(self.sources)
        for name, raw in changes.items():
            if name not in _BY_NAME:
                raise ConfigError(f"unknown setting {name!r}", name)
            values[name] = _coerce(_BY_NAME[name], raw)
            sources[name] = "override"
        return dataclasses.replace(self, **values, sources=sources)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_path / 'newsstand.db').resolve()}"

    @property
    def membership_plans(self) -> tuple[Plan, ...]:
        """The plans on sale, in the order given, each with its Stripe price when one is set."""
        pairs = (item.partition("=") for item in self.stripe_prices)
        prices = {key.strip(): val.strip() for key, _, val in pairs}
        plans = (Plan.parse(spec, self.currency) for spec in self.plans)
        return tuple(dataclasses.replace(p, provider_price=prices.get(p.id, "")) for p in plans)

    @property
    def effective_secret_key(self) -> str:
        """The key in use: the setting, else the one generated into data_dir (empty before first start)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_path / "secret_key"
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    @property
    def effective_user_agent(self) -> str:
        """The User-Agent sent: the setting, with ``base_url`` as the contact address when the
        setting is the default and ``base_url`` is set."""
        if self.sources.get("user_agent", "default") == "default" and self.base_url:
            return f"{DEFAULT_USER_AGENT[:-1]}; +{self.base_url})"
        return self.user_agent

    def masked(self) -> list[tuple[str, str, str]]:
        """(name, shown value, source) for every setting, secrets masked."""
        rows = []
        for s in SETTINGS:
            value = getattr(self, s.name)
            source = self.sources.get(s.name, "default")
            if s.name == "secret_key" and not value and self.effective_secret_key:
                value, source = self.effective_secret_key, f"key file {self.data_path / 'secret_key'}"
            shown = _show(value)
            if s.name == "user_agent":
                shown = self.effective_user_agent
                if source == "default":
                    source = "default, with base_url" if self.base_url else "default (contact URL not set)"
            if s.secret and value:
                shown = mask_url(str(value)) if s.name == "database_url" else "********"
            rows.append((s.name, shown, source))
        return rows


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the table as the CLI and the documentation test read it."""

    name: str
    type: type
    default: SettingValue
    help: str
    secret: bool = False
    check: Check | None = None

    @property
    def env_var(self) -> str:
        return "NEWSSTAND_" + self.name.upper()


def _table() -> tuple[Setting, ...]:
    hints = typing.get_type_hints(Settings)
    rows = []
    for f in dataclasses.fields(Settings):
        if f.name == "sources":
            continue
        hint = hints[f.name]
        kind = tuple if typing.get_origin(hint) is tuple else hint
        default = f.default
        assert not isinstance(default, dataclasses._MISSING_TYPE), f.name  # every setting has a default
        rows.append(
            Setting(f.name, kind, default, f.metadata["help"], f.metadata["secret"], f.metadata["check"])
        )
    return tuple(rows)


SETTINGS: tuple[Setting, ...] = _table()
_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _convert(setting: Setting, raw: Any) -> SettingValue:
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
        if isinstance(raw, bool):
            raise ValueError(raw)
        return float(raw)
    return str(raw)


def _coerce(setting: Setting, raw: Any) -> SettingValue:
    """Turn a raw env or TOML value into the setting's type and check it, or raise ConfigError."""
    try:
        value = _convert(setting, raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{setting.env_var}: expected {setting.type.__name__}, got {raw!r}", setting.name
        ) from exc
    if setting.name in ("log_level", "currency"):
        value = str(value).upper()
    problem = setting.check(value) if setting.check is not None else None
    if problem:
        raise ConfigError(f"{setting.env_var}: {problem}, got {raw!r}", setting.name)
    return value


def _show(value: SettingValue) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def mask_url(url: str) -> str:
    """Hide the password in a database URL but keep the rest readable."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "********"
    if not password:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


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


def _warn_about(settings: Settings) -> None:
    """Values that are allowed but worth an operator's second look."""
    if not settings.base_url and settings.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning(
            "base_url is empty while the reader listens on %s: links in mail start with the "
            "request's address only for hosts in allowed_hosts (%s), else with http://%s:%d. "
            "Set base_url to the reader's public address.",
            settings.host,
            ",".join(settings.allowed_hosts),
            settings.host,
            settings.port,
        )
    for item in settings.allow_private_addresses:
        network = ipaddress.ip_network(item, strict=False)
        if network.prefixlen == 0:
            log.warning(
                "allow_private_addresses contains %s: the fetcher may reach every address, "
                "including this machine and its private network",
                item,
            )
    try:
        plans = settings.membership_plans
    except InvalidDataError as exc:  # an amount with more decimals than the currency has
        raise ConfigError(f"NEWSSTAND_PLANS: {exc}", "plans") from exc
    priced = {item.partition("=")[0].strip() for item in settings.stripe_prices}
    unknown = sorted(priced - {plan.id for plan in plans})
    if unknown:
        raise ConfigError(f"stripe_prices names unknown plans: {', '.join(unknown)}", "stripe_prices")
    if settings.payment_provider == "stripe":
        if not settings.stripe_secret_key or not settings.stripe_webhook_secret:
            raise ConfigError(
                "payment_provider is stripe: set stripe_secret_key and stripe_webhook_secret",
                "payment_provider",
            )
        if not priced:
            raise ConfigError(
                "payment_provider is stripe: give plans their prices in stripe_prices", "stripe_prices"
            )
    if settings.poll_min_seconds > settings.poll_max_seconds:
        raise ConfigError("poll_min_seconds must not be larger than poll_max_seconds", "poll_min_seconds")


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Read the effective settings. Raises ConfigError on a malformed value or file."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
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
    settings = Settings(**values, sources=sources)
    _warn_about(settings)
    return settings
