"""Settings, read once from the environment by an entry point (`Settings.from_env(os.environ)`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# botocore's legacy retry mode waits this long before DynamoDB's second attempt, doubling the
# wait before each one after (its `_retry.json`; no jitter).
DYNAMODB_FIRST_BACKOFF_S = 0.05
# The longest life of a token the service verifies itself: a day, the longest Cognito lets
# an access or ID token live (its default is an hour). A stolen token is good for at most that.
DEFAULT_JWT_MAX_LIFETIME_S = 86_400


class ConfigError(ValueError):
    """An environment variable holds a value we cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str = "todos"
    records_table: str = "todo-records"
    idempotency_ttl: int = 24 * 60 * 60
    region: str = "us-east-1"
    dynamodb_endpoint: str | None = None
    cors_origins: tuple[str, ...] = ("*",)
    max_body_bytes: int = 256 * 1024
    page_size_default: int = 20
    page_size_max: int = 100
    max_examined: int = 1_000
    request_max_examined: int = 2_000
    max_cost: int = 5_000
    request_max_writes: int = 25
    request_max_write_bytes: int = 256 * 1024
    # Lambda answers at most 6 MB; the rest is headroom for headers and the envelope.
    max_response_bytes: int = 5_000_000
    request_timeout: float = 10.0
    introspection: bool = True
    max_batch: int = 10
    trusted_documents: bool = False
    persisted_query_ttl_days: int = 30
    # Seconds a shared cache may keep an anonymous GET answer; 0 asks caches to store nothing.
    get_max_age: int = 0
    auth: str = "none"
    jwt_secret: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwks_url: str | None = None
    jwt_max_lifetime: int = DEFAULT_JWT_MAX_LIFETIME_S
    admin_claim: str = "cognito:groups"
    admin_group: str = "todo-admins"
    dynamodb_connect_timeout: float = 1.0
    dynamodb_read_timeout: float = 2.0
    dynamodb_max_attempts: int = 3
    log_level: str = "INFO"
    # Where browsers fetch GraphiQL's npm files from instead of this API; see graphiql_assets.
    graphiql_assets_url: str | None = None
    # Where this API finds the files it serves; None: where `todo-api package` puts them.
    graphiql_assets_dir: str | None = None

    @property
    def dynamodb_overrun_s(self) -> float:
        """How long a request can run past its deadline: no attempt of a DynamoDB call starts
        after it, but one that started just before can take a connection and a read timeout,
        and botocore then sleeps through its remaining back-offs."""
        backoffs = DYNAMODB_FIRST_BACKOFF_S * (2.0 ** (self.dynamodb_max_attempts - 1) - 1)
        return self.dynamodb_connect_timeout + self.dynamodb_read_timeout + backoffs

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """See docs/configuration.md for each variable and its default."""
        defaults = cls()
        origins = env.get("TODO_CORS_ORIGINS")
        return cls(
            **_tables(env, defaults),
            idempotency_ttl=_int(env, "TODO_IDEMPOTENCY_TTL", defaults.idempotency_ttl),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or defaults.region,
            dynamodb_endpoint=_base_url(env, "DYNAMODB_ENDPOINT_URL", "http://localhost:8001"),
            cors_origins=(
                tuple(o.strip() for o in origins.split(",") if o.strip())
                if origins is not None
                else defaults.cors_origins
            ),
            max_body_bytes=_int(env, "TODO_MAX_BODY_BYTES", defaults.max_body_bytes),
            page_size_default=_int(env, "TODO_PAGE_SIZE_DEFAULT", defaults.page_size_default),
            page_size_max=_int(env, "TODO_PAGE_SIZE_MAX", defaults.page_size_max),
            max_examined=_int(env, "TODO_MAX_EXAMINED", defaults.max_examined),
            request_max_examined=_int(
                env, "TODO_REQUEST_MAX_EXAMINED", defaults.request_max_examined
            ),
            max_cost=_int(env, "TODO_MAX_COST", defaults.max_cost),
            request_max_writes=_int(env, "TODO_REQUEST_MAX_WRITES", defaults.request_max_writes),
            request_max_write_bytes=_int(
                env, "TODO_REQUEST_MAX_WRITE_BYTES", defaults.request_max_write_bytes
            ),
            max_response_bytes=_int(env, "TODO_MAX_RESPONSE_BYTES", defaults.max_response_bytes),
            request_timeout=_float(env, "TODO_REQUEST_TIMEOUT", defaults.request_timeout),
            introspection=_bool(env, "TODO_INTROSPECTION", defaults.introspection),
            max_batch=_int(env, "TODO_MAX_BATCH", defaults.max_batch),
            trusted_documents=_bool(env, "TODO_TRUSTED_DOCUMENTS", defaults.trusted_documents),
            persisted_query_ttl_days=_int(
                env, "TODO_PERSISTED_QUERY_TTL_DAYS", defaults.persisted_query_ttl_days
            ),
            get_max_age=_int(env, "TODO_GET_MAX_AGE", defaults.get_max_age, minimum=0),
            **_auth(env, defaults),
            dynamodb_connect_timeout=_float(
                env, "DYNAMODB_CONNECT_TIMEOUT", defaults.dynamodb_connect_timeout
            ),
            dynamodb_read_timeout=_float(
                env, "DYNAMODB_READ_TIMEOUT", defaults.dynamodb_read_timeout
            ),
            dynamodb_max_attempts=_int(
                env, "DYNAMODB_MAX_ATTEMPTS", defaults.dynamodb_max_attempts
            ),
            log_level=_level(env.get("LOG_LEVEL", defaults.log_level)),
            graphiql_assets_url=_base_url(
                env, "TODO_GRAPHIQL_ASSETS_URL", "https://cdn.jsdelivr.net/npm"
            ),
            graphiql_assets_dir=env.get("TODO_GRAPHIQL_ASSETS_DIR") or None,
        )


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _tables(env: Mapping[str, str], defaults: Settings) -> dict[str, Any]:
    todos = env.get("TODO_TABLE_NAME", defaults.table_name)
    records = env.get("TODO_RECORDS_TABLE", defaults.records_table)
    # The records table's keys are no todo's: one table for both would fail its first write.
    if todos == records:
        raise ConfigError(
            f"TODO_RECORDS_TABLE must name another table than TODO_TABLE_NAME, not {todos!r}"
        )
    return {"table_name": todos, "records_table": records}


def _auth(env: Mapping[str, str], defaults: Settings) -> dict[str, Any]:
    auth = env.get("TODO_AUTH", defaults.auth).strip().lower()
    if auth not in ("none", "jwt"):
        raise ConfigError(f"TODO_AUTH must be none or jwt, not {env['TODO_AUTH']!r}")
    secret = env.get("TODO_JWT_SECRET") or None
    # RFC 7518 asks HS256 keys to be at least as long as the hash: 32 bytes.
    if secret is not None and len(secret.encode()) < 32:
        raise ConfigError("TODO_JWT_SECRET must be at least 32 bytes long")
    issuer, audience = env.get("TODO_JWT_ISSUER") or None, env.get("TODO_JWT_AUDIENCE") or None
    if (issuer is None) != (audience is None):
        raise ConfigError("TODO_JWT_ISSUER and TODO_JWT_AUDIENCE go together: set both or neither")
    if secret is not None and issuer is not None:
        raise ConfigError(
            "TODO_JWT_SECRET (HS256 tokens) and TODO_JWT_ISSUER (an issuer's tokens) are two "
            "ways to verify tokens: set one"
        )
    return {
        "auth": auth,
        "jwt_secret": secret,
        "jwt_issuer": issuer,
        "jwt_audience": audience,
        "jwks_url": env.get("TODO_JWT_JWKS_URL") or None,
        "jwt_max_lifetime": _int(env, "TODO_JWT_MAX_LIFETIME", defaults.jwt_max_lifetime),
        "admin_claim": env.get("TODO_ADMIN_CLAIM") or defaults.admin_claim,
        "admin_group": env.get("TODO_ADMIN_GROUP") or defaults.admin_group,
    }


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    return value == "true"


def _base_url(env: Mapping[str, str], name: str, example: str) -> str | None:
    raw = env.get(name, "").strip()
    return base_url(raw, name, example) if raw else None


def base_url(raw: str, name: str, example: str) -> str:
    """`raw` without a trailing slash; ConfigError unless it is an http(s) URL with a host and
    no query (botocore would answer a traceback, a browser a broken page)."""
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be an http(s) URL such as {example}, not {raw!r}")
    return raw.rstrip("/")


def _level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {raw!r}")
    return level


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be above 0, not {value}")
    return value
