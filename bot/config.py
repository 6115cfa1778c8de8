"""Settings: defaults, then an optional TOML file (`--config`), then the environment,
checked once at start-up into the typed Settings.

The file's keys are the environment variables in lower case without the `KIEMDIEM_`
prefix (`db`, `telegram_bot_token`, `invite_days`…); a key it does not know is refused,
so a typo never passes silently. A bad value stops start-up with one line per problem:
where it came from (the variable, or the file and key), what is wrong and the fix.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType

from bot.cli_text import _
from conversations.forms.library import BUILTIN_FORMS_DIR, FormLibrary, load_forms
from conversations.forms.rating import QUOTA_BASES, Quota
from handlers.outbox_policy import DEFAULT_LIFETIMES, parse_lifetimes
from handlers.redact import register_secret
from storage.urls import is_postgres_url, masked, password

DEFAULT_DB = "kiemdiem.sqlite3"
DEMO_DB = "kiemdiem-demo.sqlite3"
ENV_PREFIX = "KIEMDIEM_"
LANGUAGES = ("vi", "en")


class ConfigError(Exception):
    """Settings that cannot start the bot: one line per problem, each with its fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# Each parser takes a value from the environment (a string) or the file (any TOML
# value) and returns it typed, or raises ValueError("what is wrong; the fix").
def _text(value: object) -> str | None:
    if not isinstance(value, str):
        raise ValueError(_("must be text in quotes; write it as \"…\""))
    return value.strip() or None


def _url(value: object) -> str | None:
    text = _text(value)
    if text and not text.startswith(("http://", "https://")):
        raise ValueError(_("{value} is not a web address; write it with https://…").format(
            value=repr(text)))
    return text.rstrip("/") if text else None


def _postgres_url(value: object) -> str | None:
    url = _text(value)
    if url and not is_postgres_url(url):
        raise ValueError(_("must start with postgresql:// (got {url}); leave it out to use "
                           "SQLite (KIEMDIEM_DB)").format(url=masked(url)))
    return url


def _number(value: object, kind: type[int] | type[float]) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(_("must be a number"))
    try:
        return kind(value.strip() if isinstance(value, str) else value)
    except ValueError:
        wrong = (_("{value} is not a whole number") if kind is int
                 else _("{value} is not a number"))
        raise ValueError(wrong.format(value=repr(value))) from None


def _positive_int(value: object) -> int:
    number = int(_number(value, int))
    if number <= 0:
        raise ValueError(_("must be more than 0 (got {number})").format(number=number))
    return number


def _port(value: object) -> int:
    number = _positive_int(value)
    if number > 65535:
        raise ValueError(_("{number} is not a TCP port; use 1–65535, e.g. 8080").format(
            number=number))
    return number


def _rate(value: object) -> float | None:
    rate = float(_number(value, float))
    if rate < 0:
        raise ValueError(_("must be 0 (no limit) or more (got {rate})").format(rate=f"{rate:g}"))
    return rate or None


def _language(value: object) -> str:
    lang = _text(value) or ""
    if lang not in LANGUAGES:
        raise ValueError(_("{value} is not a language of the bot; use one of {languages}").format(
            value=repr(lang), languages=", ".join(LANGUAGES)))
    return lang


def _folder(value: object) -> Path | None:
    text = _text(value)
    if text and not Path(text).is_dir():
        raise ValueError(_("{path} is not a folder; create it or correct the path").format(
            path=text))
    return Path(text) if text else None


def _lifetimes(value: object) -> Mapping[str, float]:
    if not isinstance(value, (str, dict)):
        raise ValueError(_("must be a table of kind = days, e.g. {broadcast = 14, \"*\" = 7}"))
    try:
        return parse_lifetimes(value)
    except ValueError as exc:
        raise ValueError(_("{reason}; e.g. broadcast=14,*=7 (file: {{broadcast = 14}})").format(
            reason=exc)) from None


class Share(Fraction):
    """A share shown as people write it (`config check`): 20%."""

    def __str__(self) -> str:
        return f"{float(self * 100):g}%"


def _share(value: object) -> Fraction:
    """'20%', '0.2' or '1/5' -> Fraction(1, 5): the «xuất sắc» quota's share."""
    text = (_text(value) if isinstance(value, str) else str(value)) or ""
    try:
        share = (Fraction(text[:-1].strip()) / 100 if text.endswith("%")
                 else Fraction(text)).limit_denominator(1000)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a share; write e.g. 20% or 0.2") from None
    if not 0 < share <= 1:
        raise ValueError(f"must be more than 0% and at most 100% (got {text})")
    return Share(share)


def _quota_base(value: object) -> str:
    base = _text(value) or ""
    if base not in QUOTA_BASES:
        raise ValueError(f"{base!r} is not a quota base; use one of {', '.join(QUOTA_BASES)}")
    return base


@dataclass(frozen=True)
class Setting:
    key: str  # in the file; the variable is the same in upper case with its prefix
    parse: Callable[[object], object]
    default: object = None
    secret: bool = False  # masked when shown; registered with handlers.redact
    env_name: str = ""  # when it is not ENV_PREFIX + KEY (the bot tokens, API URLs)

    @property
    def env(self) -> str:
        return self.env_name or ENV_PREFIX + self.key.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("db", _text, DEFAULT_DB),
    Setting("database_url", _postgres_url, secret=True),
    Setting("telegram_bot_token", _text, secret=True, env_name="TELEGRAM_BOT_TOKEN"),
    Setting("telegram_api_url", _url, env_name="TELEGRAM_API_URL"),
    Setting("zalo_bot_token", _text, secret=True, env_name="ZALO_BOT_TOKEN"),
    Setting("zalo_api_url", _url, env_name="ZALO_API_URL"),
    Setting("zalo_bot_link", _url),
    Setting("invite_days", _positive_int, 30),
    Setting("lang", _language, "vi"),
    Setting("forms_dir", _folder),
    Setting("busy_timeout_ms", _positive_int),
    Setting("send_rate", _rate, 25.0),
    Setting("outbox_lifetime_days", _lifetimes, DEFAULT_LIFETIMES),
    Setting("outbox_lease_seconds", _positive_int, 60),
    # «xuất sắc» at most this share of those rated «tốt» ('good') or «tốt» and above
    Setting("quota_share", _share, Share(1, 5)),
    Setting("quota_base", _quota_base, "good"),
    Setting("webhook_url", _url),
    Setting("webhook_secret", _text, secret=True),
    Setting("http_host", _text),
    Setting("http_port", _port),
    Setting("public_url", _url),
)
KNOWN_KEYS = tuple(s.key for s in SETTINGS)


@dataclass(frozen=True)
class Effective:
    """One setting's value and where it came from (default, file or environment, in the
    command's language)."""

    setting: Setting
    value: object
    source: str

    def shown(self) -> str:
        """The value as `kiemdiem config check` prints it, in the command's language."""
        if self.value is None:
            return _("(not set)")
        if self.setting.key == "database_url":
            return masked(str(self.value))
        if self.setting.secret:
            text = str(self.value)
            return _("set (…{end})").format(end=text[-4:]) if len(text) >= 16 else _("set")
        if isinstance(self.value, Mapping):
            return ", ".join(f"{k}={v:g}" for k, v in self.value.items())
        return str(self.value)


def read_file(path: Path) -> dict[str, object]:
    """The file's settings; a missing or broken file, or an unknown key, is refused."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError([_("{path}: cannot be read ({reason}); check the path given to "
                             "--config").format(path=path, reason=exc.strerror)]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_("{path}: is not valid TOML ({reason}); correct that line").format(
            path=path, reason=exc)]) from None
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError([_("{path}: unknown key {keys}; the known keys are: {known}").format(
            path=path, keys=", ".join(unknown), known=", ".join(KNOWN_KEYS))])
    return data


def effective_settings(config: Path | None = None,
                       environ: Mapping[str, str] | None = None) -> list[Effective]:
    """Every setting with its value and source (the environment wins over the file)."""
    env = os.environ if environ is None else environ
    data = read_file(config) if config else {}
    found, problems = [], []
    for setting in SETTINGS:
        if env.get(setting.env):
            raw, source = env[setting.env], _("environment")
            where = _("{name} (environment)").format(name=setting.env)
        elif setting.key in data:
            raw, source = data[setting.key], _("file {path}").format(path=config)
            where = _("{file}, key {key}").format(file=config, key=setting.key)
        else:
            found.append(Effective(setting, setting.default, _("default")))
            continue
        try:
            found.append(Effective(setting, setting.parse(raw), source))
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise ConfigError(problems)
    return found


@dataclass(frozen=True)
class Settings:
    db_path: str  # a SQLite file, or the postgresql:// URL of KIEMDIEM_DATABASE_URL
    telegram_token: str | None
    telegram_api_url: str | None
    invite_ttl: timedelta
    language: str  # for command-line messages
    forms_dir: Path | None  # a committee's own form versions or hint overrides
    busy_timeout_ms: int | None = None  # how long a write waits for a locked database
    zalo_token: str | None = None
    zalo_api_url: str | None = None  # another server than Zalo's (a test fake…)
    zalo_bot_link: str | None = None  # printed in group posts and on invitation slips
    send_rate: float | None = 25.0  # messages per second the sender sends; None: no limit
    outbox_lifetimes: Mapping[str, float] = field(default_factory=lambda: DEFAULT_LIFETIMES)
    outbox_lease: int = 60  # seconds a sender's claim holds a row (several processes)
    quota: Quota = field(default_factory=Quota)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    http_host: str | None = None
    http_port: int | None = None
    public_url: str | None = None  # where the HTTP server is reached: documents as links

    @classmethod
    def load(cls, config: Path | None = None, db_path: str | None = None,
             environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, the file, the environment, then `--db`; raises ConfigError."""
        found = {e.setting.key: e.value for e in effective_settings(config, environ)}
        for setting in SETTINGS:
            if setting.secret:  # whatever logs or prints the setting shows it masked
                register_secret(found[setting.key])
        if found["database_url"]:
            register_secret(password(found["database_url"]))
        return cls(
            db_path=db_path or found["database_url"] or found["db"],
            telegram_token=found["telegram_bot_token"],
            telegram_api_url=found["telegram_api_url"],
            invite_ttl=timedelta(days=found["invite_days"]),
            language=found["lang"],
            forms_dir=found["forms_dir"],
            busy_timeout_ms=found["busy_timeout_ms"],
            zalo_token=found["zalo_bot_token"],
            zalo_api_url=found["zalo_api_url"],
            zalo_bot_link=found["zalo_bot_link"],
            send_rate=found["send_rate"],
            outbox_lifetimes=MappingProxyType(dict(found["outbox_lifetime_days"])),
            outbox_lease=found["outbox_lease_seconds"],
            quota=Quota(found["quota_share"], found["quota_base"]),
            webhook_url=found["webhook_url"],
            webhook_secret=found["webhook_secret"],
            http_host=found["http_host"],
            http_port=found["http_port"],
            public_url=found["public_url"],
        )

    @classmethod
    def from_env(cls, db_path: str | None = None) -> Settings:
        """The environment only (no file); a bad value stops with its message."""
        try:
            return cls.load(None, db_path)
        except ConfigError as exc:
            raise SystemExit(f"kiemdiem: {exc}") from None

    @property
    def database_label(self) -> str:
        """The database as it may be shown: a file, or the URL without its password."""
        return masked(self.db_path)

    def form_library(self) -> FormLibrary:
        """The built-in forms plus the committee's; a broken file stops start-up."""
        extra = [self.forms_dir] if self.forms_dir else []
        return load_forms(BUILTIN_FORMS_DIR, *extra)


def config_check(config: Path | None, db: str | None) -> int:
    """Every setting in effect with its source, secrets masked; ConfigError if any is bad.
    In the command's language (messages_in)."""
    found = effective_settings(config)
    width = max(len(e.setting.key) for e in found)
    for e in found:
        print(f"{e.setting.key:<{width}}  {e.shown()}  [{e.source}; {e.setting.env}]")
    if db:
        where = _("command line; wins over db and database_url")
        print(f"{'--db':<{width}}  {db}  [{where}]")
    return 0
