"""Settings, read from the environment once; the only module that reads os.environ."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import argon2
from argon2 import PasswordHasher
from starlette.config import Config
from starlette.datastructures import Secret

DEFAULT_VAR = Path("var")
DEFAULT_DATABASE = str(DEFAULT_VAR / "textbook.sqlite")


class SettingsError(ValueError):
    """A setting has a value that cannot work."""


def public_url(value: str) -> str:
    """The site's address as readers reach it: http(s)://host[/path], no trailing slash."""
    value = value.strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s?#]*)?", value):
        raise ValueError(f"TEXTBOOK_PUBLIC_URL '{value}' is not an http(s) address")
    return value


def positive(value: str) -> float:
    """A number of seconds above zero, or SettingsError saying what is wrong."""
    try:
        seconds = float(value)
    except ValueError:
        raise SettingsError(f"'{value}' is not a number of seconds") from None
    if not seconds > 0:
        raise SettingsError(f"'{value}' is not a number of seconds above zero")
    return seconds


SMTP_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
DEFAULT_MAIL_FROM = "Textbook <noreply@localhost>"


@dataclass(frozen=True)
class SmtpLocation:
    """Where mail is handed over: `security` is "plain", "starttls" or "tls" (smtps)."""

    host: str
    port: int
    security: str = "plain"
    user: str = ""
    password: str = field(default="", repr=False)


def smtp_url(value: str) -> SmtpLocation | None:
    """TEXTBOOK_SMTP_URL: smtp://[user:pass@]host[:port], smtp+starttls://..., smtps://...;
    empty: no mail is sent."""
    value = value.strip()
    if not value:
        return None
    url = urlsplit(value)
    if url.scheme not in SMTP_SCHEMES or not url.hostname or url.path not in ("", "/"):
        raise SettingsError(
            f"TEXTBOOK_SMTP_URL {_without_password(value)!r} is not an SMTP address: use "
            "smtp://[user:password@]host[:port], smtp+starttls://... or smtps://..."
        )
    security, default_port = SMTP_SCHEMES[url.scheme]
    try:
        port = url.port or default_port
    except ValueError:
        raise SettingsError(
            f"TEXTBOOK_SMTP_URL has a bad port: {_without_password(value)!r}"
        ) from None
    return SmtpLocation(
        url.hostname, port, security, unquote(url.username or ""), unquote(url.password or "")
    )


def _without_password(value: str) -> str:
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", value)


def digest_hour(value: str) -> int:
    """TEXTBOOK_DIGEST_HOUR: the hour (UTC, 0 to 23) the daily digests are mailed from."""
    if not value.strip().isdigit() or not 0 <= int(value) <= 23:
        raise SettingsError(f"TEXTBOOK_DIGEST_HOUR is an hour of the day, 0 to 23, not {value!r}.")
    return int(value)


def mail_from(value: str) -> str:
    """TEXTBOOK_MAIL_FROM: the sender of every mail, "Name <address>" or an address."""
    value = value.strip()
    _, address = parseaddr(value)
    if "\n" in value or "\r" in value or not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
        raise SettingsError(f"TEXTBOOK_MAIL_FROM {value[:80]!r} is not an email address")
    return value


@dataclass(frozen=True)
class PostgresLocation:
    host: str
    port: int
    dbname: str
    user: str
    password: str
    schema: str


@dataclass(frozen=True)
class Settings:
    database: str = DEFAULT_DATABASE
    build_dir: Path = Path("build")
    # The server's own files: the session key when TEXTBOOK_SECRET_KEY is unset, and the SQLite
    # store when TEXTBOOK_DATABASE is unset.
    var: Path = DEFAULT_VAR
    # The web app republishes the editions itself, in a thread, after each approval (`textbook
    # serve` runs a publishing worker process instead, and leaves this off).
    publish: bool = False
    secret_key: Secret | None = None
    max_body: int = 4 * 1024 * 1024
    lock_timeout: int = 10
    # Seconds each format of a build may take (the sample book's PDF takes about a minute on 2
    # cores; a 650-page book about 80 s); past it the build fails and the last edition stays.
    build_timeout: float = 600.0
    # Sessions (seconds): ASVS L2 asks for re-authentication after 30 minutes idle or 12 hours
    # in all; every signed-in person may hold a role that approves, so the idle limit is for all.
    session_idle: int = 30 * 60
    session_lifetime: int = 12 * 3600
    https: bool = False  # served over HTTPS: Secure cookies and Strict-Transport-Security
    signup_limit: int = 10  # sign-ups from one client address per hour
    preview_rate: int = 60  # previews per signed-in person per minute
    fork_rate: int = 10  # forks per signed-in person per hour
    # Where readers find the site ("https://books.example.org"): the editions print a source's
    # link in full with it (a printed or downloaded book has no site around it); "" prints paths.
    public_url: str = ""
    # Mail (TEXTBOOK_SMTP_URL, TEXTBOOK_MAIL_FROM): None sends none. The worker sends it; links
    # in mail start with public_url (or, when it is unset, the address `textbook serve` serves).
    smtp: SmtpLocation | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    digest_hour: int = 7  # the hour (UTC) the daily digests are mailed from
    # Argon2, with its recommended parameters unless TEXTBOOK_ARGON2_* say otherwise (tests pass
    # cheap ones). A name without an account is checked against a hash made with the same
    # parameters, so that it takes the same time.
    password_hasher: PasswordHasher = field(
        default_factory=PasswordHasher, repr=False, compare=False
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        config = Config(environ=dict(os.environ if environ is None else environ))
        var = Path(config("TEXTBOOK_VAR", default=str(DEFAULT_VAR)))
        return cls(
            database=config("TEXTBOOK_DATABASE", default=str(var / "textbook.sqlite")),
            build_dir=Path(config("TEXTBOOK_BUILD_DIR", default="build")),
            var=var,
            publish=config("TEXTBOOK_PUBLISH", cast=bool, default=False),
            secret_key=config("TEXTBOOK_SECRET_KEY", cast=Secret, default=None),
            max_body=config("TEXTBOOK_MAX_BODY", cast=int, default=4 * 1024 * 1024),
            lock_timeout=config("TEXTBOOK_LOCK_TIMEOUT", cast=int, default=10),
            build_timeout=config("TEXTBOOK_BUILD_TIMEOUT", cast=positive, default=600.0),
            session_idle=config("TEXTBOOK_SESSION_IDLE", cast=int, default=30 * 60),
            session_lifetime=config("TEXTBOOK_SESSION_LIFETIME", cast=int, default=12 * 3600),
            https=config("TEXTBOOK_HTTPS", cast=bool, default=False),
            signup_limit=config("TEXTBOOK_SIGNUP_LIMIT", cast=int, default=10),
            preview_rate=config("TEXTBOOK_PREVIEW_RATE", cast=int, default=60),
            fork_rate=config("TEXTBOOK_FORK_RATE", cast=int, default=10),
            public_url=public_url(config("TEXTBOOK_PUBLIC_URL", default="")),
            smtp=smtp_url(config("TEXTBOOK_SMTP_URL", default="")),
            mail_from=mail_from(config("TEXTBOOK_MAIL_FROM", default=DEFAULT_MAIL_FROM)),
            digest_hour=digest_hour(config("TEXTBOOK_DIGEST_HOUR", default="7")),
            password_hasher=PasswordHasher(
                time_cost=config(
                    "TEXTBOOK_ARGON2_TIME_COST", cast=int, default=argon2.DEFAULT_TIME_COST
                ),
                memory_cost=config(  # KiB
                    "TEXTBOOK_ARGON2_MEMORY_COST", cast=int, default=argon2.DEFAULT_MEMORY_COST
                ),
                parallelism=config(
                    "TEXTBOOK_ARGON2_PARALLELISM", cast=int, default=argon2.DEFAULT_PARALLELISM
                ),
            ),
        )

    def session_secret(self) -> Secret:
        """The key that signs session cookies: TEXTBOOK_SECRET_KEY, or one kept in `var`."""
        if self.secret_key is not None:
            return self.secret_key
        path = self.var / "secret-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return Secret(path.read_text().strip())

    @property
    def is_postgres(self) -> bool:
        return self.database.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        if self.is_postgres:
            raise SettingsError("the database is PostgreSQL, not an SQLite file")
        return Path(self.database)

    @property
    def views_path(self) -> Path:
        """The SQLite file of the read models, beside the event store's file."""
        path = self.sqlite_path
        return path.with_name(path.stem + ".views" + path.suffix)

    def postgres(self) -> PostgresLocation:
        url = urlsplit(self.database)
        if not url.hostname or not url.path.strip("/"):
            raise SettingsError(
                f"TEXTBOOK_DATABASE {self.database!r} is not a postgresql://user@host:port/db URL"
            )
        query = parse_qs(url.query)
        try:
            port = url.port or 5432
        except ValueError:
            raise SettingsError(f"TEXTBOOK_DATABASE has a bad port: {self.database!r}") from None
        return PostgresLocation(
            host=url.hostname,
            port=port,
            dbname=unquote(url.path.strip("/")),
            user=unquote(url.username or "postgres"),
            password=unquote(url.password or ""),
            schema=query.get("schema", ["public"])[0],
        )


def eventsourcing_env(settings: Settings, name: str, create_tables: bool = True) -> dict[str, str]:
    """The variables eventsourcing reads, for the application or projection called `name`."""
    prefix = name.upper() + "_"
    env = {
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        "CREATE_TABLE": "yes" if create_tables else "no",
    }
    if settings.is_postgres:
        pg = settings.postgres()
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": pg.host,
            "POSTGRES_PORT": str(pg.port),
            "POSTGRES_DBNAME": pg.dbname,
            "POSTGRES_USER": pg.user,
            "POSTGRES_PASSWORD": pg.password,
            "POSTGRES_SCHEMA": pg.schema,
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "4",
            "POSTGRES_LOCK_TIMEOUT": str(settings.lock_timeout),
        }
    else:
        path = settings.sqlite_path if name.lower() == "textbook" else settings.views_path
        path.parent.mkdir(parents=True, exist_ok=True)
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": str(settings.lock_timeout),
        }
    return {prefix + key: value for key, value in env.items()}
