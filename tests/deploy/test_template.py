"""template.yaml checked without an AWS account: cfn-lint, the SAM translator (offline), and
agreement with the code it deploys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse
from starlette.routing import Route

from graphql_api import cli
from graphql_api.app import create_app
from graphql_api.config import Settings
from graphql_api.model import Todo, TodoQuery
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from graphql_api.repository.table import USER_INDEX, table_definition
from graphql_api.service import TodoService
from tests.conftest import TABLE, CallCounter
from tests.fakes import InMemoryTodoRepository

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE = Path(__file__).parents[2] / "template.yaml"
API_GATEWAY_LIMIT_S = 30


class _NoManagedPolicies:
    """The translator asks IAM for managed policies only when a template names one."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text())
    return parsed


@pytest.fixture(scope="module")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    packaged = yaml_parse(TEMPLATE.read_text())
    # What `sam deploy` does after uploading the artifact.
    packaged["Resources"]["TodoFunction"]["Properties"]["CodeUri"] = "s3://artifacts/todo.zip"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        result: dict[str, Any] = transform(packaged, {}, _NoManagedPolicies())
    return result


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def app_routes() -> set[str]:
    app = create_app(TodoService(InMemoryTodoRepository()), Settings())
    return {
        f"{method} {route.path}"
        for route in app.routes
        if isinstance(route, Route)
        # Starlette answers HEAD wherever it answers GET; the API has never routed HEAD.
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_cfn_lint_finds_nothing() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([cfn_lint, str(TEMPLATE)], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_table_keys_and_index_equal_the_codes_definition(template: dict[str, Any]) -> None:
    declared = template["Resources"]["TodoTable"]["Properties"]
    expected = table_definition("unused")
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
        assert declared[key] == expected[key], key


def test_table_keeps_its_data(template: dict[str, Any]) -> None:
    table = template["Resources"]["TodoTable"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True


def test_function_runs_the_handler_on_the_runtime_the_package_is_built_for(
    translated: dict[str, Any],
) -> None:
    (function,) = resources(translated, "AWS::Lambda::Function")
    assert function["Handler"] == "graphql_api.handler.handler"
    assert function["Runtime"] == f"python{cli.LAMBDA_PYTHON}"
    assert function["Architectures"] == ["arm64"]
    assert cli.LAMBDA_PLATFORM.endswith("aarch64")


def test_timeout_sits_between_dynamodbs_worst_case_and_api_gateways_limit(
    translated: dict[str, Any],
) -> None:
    (function,) = resources(translated, "AWS::Lambda::Function")
    variables = function["Environment"]["Variables"]
    settings = Settings.from_env({k: v for k, v in variables.items() if isinstance(v, str)})
    per_attempt = settings.dynamodb_connect_timeout + settings.dynamodb_read_timeout
    worst_call = per_attempt * settings.dynamodb_max_attempts
    assert worst_call < function["Timeout"] < API_GATEWAY_LIMIT_S


def test_api_routes_every_path_the_app_serves(translated: dict[str, Any]) -> None:
    (api,) = resources(translated, "AWS::ApiGatewayV2::Api")
    paths = api["Body"]["paths"].items()
    assert {f"{method.upper()} {path}" for path, methods in paths for method in methods} == (
        app_routes()
    )
    (stage,) = resources(translated, "AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == {"Ref": "StageName"}
    assert set(stage["DefaultRouteSettings"]) == {"ThrottlingRateLimit", "ThrottlingBurstLimit"}


def test_the_role_grants_only_its_own_logs_and_table(translated: dict[str, Any]) -> None:
    (role,) = resources(translated, "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    grants = {tuple(sorted(s["Action"])): s["Resource"] for s in statements}
    assert grants[("logs:CreateLogStream", "logs:PutLogEvents")] == {
        "Fn::GetAtt": ["TodoLogGroup", "Arn"]
    }
    assert grants[("dynamodb:Query",)] == {"Fn::Sub": f"${{TodoTable.Arn}}/index/{USER_INDEX}"}
    assert all("*" not in str(s["Resource"]) for s in statements)


def test_the_role_grants_exactly_the_dynamodb_calls_the_repository_makes(
    translated: dict[str, Any], dynamodb: DynamoDBClient
) -> None:
    calls = CallCounter(dynamodb.meta.events)
    repository = DynamoDBTodoRepository(dynamodb, TABLE, max_examined=100)
    repository.create(Todo("t", "ann", "x", "pending", 1, 1, 1))
    repository.get("t")
    repository.get_many(["t"])
    repository.list_todos(TodoQuery(first=5))
    repository.list_todos(TodoQuery(first=5, user_id="ann"))
    repository.update("t", changes={"status": "done"}, updated_ms=2, expected_version=None)
    repository.delete("t", expected_version=None)
    (role,) = resources(translated, "AWS::IAM::Role")
    granted = {
        action
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
        if action.startswith("dynamodb:")
    }
    assert granted == {f"dynamodb:{operation}" for operation in calls.operations}


def test_logs_are_kept_for_a_set_time(template: dict[str, Any]) -> None:
    (group,) = resources(template, "AWS::Logs::LogGroup")
    assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_outputs_name_the_api_graphql_url_and_table(template: dict[str, Any]) -> None:
    assert set(template["Outputs"]) == {"ApiUrl", "GraphQLUrl", "TableName"}
