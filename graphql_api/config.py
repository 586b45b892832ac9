"""Settings, read once from the environment by an entry point (`Settings.from_env(os.environ)`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class ConfigError(ValueError):
    """An environment variable holds a value we cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str = "todos"
    region: str = "us-east-1"
    dynamodb_endpoint: str | None = None
    cors_origins: tuple[str, ...] = ("*",)
    max_body_bytes: int = 256 * 1024
    page_size_default: int = 20
    page_size_max: int = 100
    max_examined: int = 1_000
    # Lambda answers at most 6 MB; the rest is headroom for headers and the `next` cursor.
    rest_list_max_bytes: int = 5_000_000
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
            rest_list_max_bytes=_int(env, "TODO_REST_LIST_MAX_BYTES", defaults.rest_list_max_bytes),
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
