"""Settings, read once from the environment by an entry point (`Settings.from_env(os.environ)`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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
    # Lambda answers at most 6 MB; the rest is headroom for headers and the envelope.
    max_response_bytes: int = 5_000_000
    request_timeout: float = 10.0
    introspection: bool = True
    auth: str = "none"
    jwt_secret: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwks_url: str | None = None
    admin_claim: str = "cognito:groups"
    admin_group: str = "todo-admins"
    dynamodb_connect_timeout: float = 1.0
    dynamodb_read_timeout: float = 2.0
    dynamodb_max_attempts: int = 3
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """See the README's Configuration table for each variable and its default."""
        defaults = cls()
        origins = env.get("TODO_CORS_ORIGINS")
        return cls(
            table_name=env.get("TODO_TABLE_NAME", defaults.table_name),
            records_table=env.get("TODO_RECORDS_TABLE", defaults.records_table),
            idempotency_ttl=_int(env, "TODO_IDEMPOTENCY_TTL", defaults.idempotency_ttl),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or defaults.region,
            dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT_URL") or None,
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
            max_response_bytes=_int(env, "TODO_MAX_RESPONSE_BYTES", defaults.max_response_bytes),
            request_timeout=_float(env, "TODO_REQUEST_TIMEOUT", defaults.request_timeout),
            introspection=_bool(env, "TODO_INTROSPECTION", defaults.introspection),
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
        )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}")
    return value


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
    return {
        "auth": auth,
        "jwt_secret": secret,
        "jwt_issuer": issuer,
        "jwt_audience": audience,
        "jwks_url": env.get("TODO_JWT_JWKS_URL") or None,
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
