from __future__ import annotations

import pytest

from graphql_api.config import ConfigError, Settings


def test_defaults_apply_when_nothing_is_set() -> None:
    assert Settings.from_env({}) == Settings()


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "TODO_TABLE_NAME": "t",
            "TODO_RECORDS_TABLE": "r",
            "TODO_IDEMPOTENCY_TTL": "60",
            "AWS_REGION": "eu-central-1",
            "DYNAMODB_ENDPOINT_URL": "http://localhost:8000",
            "TODO_CORS_ORIGINS": "https://a.example, https://b.example",
            "TODO_MAX_BODY_BYTES": "1024",
            "TODO_PAGE_SIZE_DEFAULT": "5",
            "TODO_PAGE_SIZE_MAX": "50",
            "TODO_MAX_EXAMINED": "300",
            "DYNAMODB_CONNECT_TIMEOUT": "0.5",
            "DYNAMODB_READ_TIMEOUT": "1.5",
            "DYNAMODB_MAX_ATTEMPTS": "2",
        }
    )
    assert settings == Settings(
        table_name="t",
        records_table="r",
        idempotency_ttl=60,
        region="eu-central-1",
        dynamodb_endpoint="http://localhost:8000",
        cors_origins=("https://a.example", "https://b.example"),
        max_body_bytes=1024,
        page_size_default=5,
        page_size_max=50,
        max_examined=300,
        dynamodb_connect_timeout=0.5,
        dynamodb_read_timeout=1.5,
        dynamodb_max_attempts=2,
    )


def test_region_falls_back_to_aws_default_region() -> None:
    assert Settings.from_env({"AWS_DEFAULT_REGION": "ap-south-1"}).region == "ap-south-1"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TODO_MAX_BODY_BYTES", "lots"),
        ("TODO_PAGE_SIZE_MAX", "0"),
        ("DYNAMODB_READ_TIMEOUT", "-1"),
        ("TODO_IDEMPOTENCY_TTL", "0"),
        ("TODO_JWT_MAX_LIFETIME", "0"),
        ("TODO_JWT_MAX_LIFETIME", "1d"),
    ],
)
def test_unusable_values_are_refused_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_the_security_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "TODO_AUTH": "JWT",
            "TODO_JWT_ISSUER": "https://issuer.example",
            "TODO_JWT_AUDIENCE": "client",
            "TODO_JWT_JWKS_URL": "https://issuer.example/keys",
            "TODO_ADMIN_CLAIM": "groups",
            "TODO_ADMIN_GROUP": "admins",
            "TODO_INTROSPECTION": "false",
            "TODO_MAX_COST": "900",
            "TODO_REQUEST_MAX_EXAMINED": "500",
            "TODO_MAX_RESPONSE_BYTES": "1000000",
            "TODO_REQUEST_TIMEOUT": "4.5",
        }
    )
    assert settings == Settings(
        auth="jwt",
        jwt_issuer="https://issuer.example",
        jwt_audience="client",
        jwks_url="https://issuer.example/keys",
        admin_claim="groups",
        admin_group="admins",
        introspection=False,
        max_cost=900,
        request_max_examined=500,
        max_response_bytes=1_000_000,
        request_timeout=4.5,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TODO_AUTH": "basic"}, "TODO_AUTH"),
        ({"TODO_JWT_SECRET": "too short"}, "TODO_JWT_SECRET"),
        ({"TODO_JWT_ISSUER": "https://issuer.example"}, "TODO_JWT_AUDIENCE"),
        ({"TODO_JWT_AUDIENCE": "client"}, "TODO_JWT_ISSUER"),
        (
            {
                "TODO_JWT_SECRET": "s" * 32,
                "TODO_JWT_ISSUER": "https://issuer.example",
                "TODO_JWT_AUDIENCE": "client",
            },
            "TODO_JWT_SECRET .* and TODO_JWT_ISSUER .* set one",
        ),
        (
            {"TODO_TABLE_NAME": "t", "TODO_RECORDS_TABLE": "t"},
            "TODO_RECORDS_TABLE must name another",
        ),
        ({"TODO_RECORDS_TABLE": "todos"}, "TODO_RECORDS_TABLE must name another"),
        ({"TODO_INTROSPECTION": "maybe"}, "TODO_INTROSPECTION"),
    ],
)
def test_unusable_security_settings_stop_start_up(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_the_persisted_query_and_batch_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "TODO_MAX_BATCH": "3",
            "TODO_TRUSTED_DOCUMENTS": "true",
            "TODO_PERSISTED_QUERY_TTL_DAYS": "7",
            "TODO_GET_MAX_AGE": "0",
        }
    )
    assert settings == Settings(
        max_batch=3, trusted_documents=True, persisted_query_ttl_days=7, get_max_age=0
    )
    assert Settings.from_env({"TODO_GET_MAX_AGE": "60"}).get_max_age == 60


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TODO_MAX_BATCH", "0", "TODO_MAX_BATCH must be at least 1, not 0"),
        ("TODO_TRUSTED_DOCUMENTS", "yes", "TODO_TRUSTED_DOCUMENTS must be true or false"),
        ("TODO_PERSISTED_QUERY_TTL_DAYS", "0", "TODO_PERSISTED_QUERY_TTL_DAYS must be at least 1"),
        ("TODO_GET_MAX_AGE", "-1", "TODO_GET_MAX_AGE must be at least 0, not -1"),
    ],
)
def test_unusable_persisted_query_and_batch_settings_are_refused(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value})


def test_graphiqls_asset_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "TODO_GRAPHIQL_ASSETS_URL": " https://cdn.jsdelivr.net/npm/ ",
            "TODO_GRAPHIQL_ASSETS_DIR": "/opt/graphiql",
        }
    )
    assert settings.graphiql_assets_url == "https://cdn.jsdelivr.net/npm"
    assert settings.graphiql_assets_dir == "/opt/graphiql"
    assert Settings.from_env({"TODO_GRAPHIQL_ASSETS_URL": ""}).graphiql_assets_url is None


@pytest.mark.parametrize(
    "value",
    ["cdn.jsdelivr.net/npm", "javascript:alert(1)", "https://", "https://cdn.example/?v=1"],
)
def test_an_unusable_graphiql_asset_url_stops_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match="TODO_GRAPHIQL_ASSETS_URL must be an http"):
        Settings.from_env({"TODO_GRAPHIQL_ASSETS_URL": value})


def test_a_tokens_longest_life_is_a_day_unless_set() -> None:
    assert Settings.from_env({}).jwt_max_lifetime == 86_400
    assert Settings.from_env({"TODO_JWT_MAX_LIFETIME": "3600"}).jwt_max_lifetime == 3_600
