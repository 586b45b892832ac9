"""template.yaml checked without an AWS account: cfn-lint, the SAM translator (offline), and
agreement with the code it deploys."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse
from starlette.routing import Route

from graphql_api.app import create_app
from graphql_api.auth import OpenAccess
from graphql_api.budget import DEADLINE_MARGIN_S
from graphql_api.config import Settings
from graphql_api.model import Todo, TodoQuery
from graphql_api.repository import Claim
from graphql_api.repository.documents import TrustedDocument
from graphql_api.repository.dynamodb import DynamoDBTodoRepository
from graphql_api.repository.dynamodb_documents import DynamoDBDocumentStore
from graphql_api.repository.table import USER_INDEX
from graphql_api.service import TodoService
from tests.conftest import CallCounter, omit_cancellation_items
from tests.fakes import InMemoryDocumentStore, InMemoryTodoRepository
from todo_tools import packaging
from todo_tools.tables import records_table_definition, records_ttl, table_definition

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE = Path(__file__).parents[2] / "template.yaml"
API_GATEWAY_LIMIT_S = 30
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
AUDIENCE = "example-app-client-id"
JWT_AUTH = {"JwtIssuer": ISSUER, "JwtAudience": AUDIENCE}
# A browser sends no token when it navigates to a page or asks a preflight.
# Lambda's managed runtimes that SnapStart supports: Python from 3.12.
SNAPSTART_RUNTIMES = {"python3.12", "python3.13", "python3.14"}
NEVER_AUTHORIZED = {
    "GET /",
    "GET /graphiql",
    "GET /graphiql/assets/{path+}",
    "OPTIONS /graphql",
    "OPTIONS /todo",
    "OPTIONS /todo/{id}",
}


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
    return translate({})


def translate(parameters: Mapping[str, str]) -> dict[str, Any]:
    """The template as CloudFormation's SAM transform turns it, given these parameters."""
    packaged = yaml_parse(TEMPLATE.read_text())
    # What `sam deploy` does after uploading the artifact.
    packaged["Resources"]["TodoFunction"]["Properties"]["CodeUri"] = "s3://artifacts/todo.zip"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        result: dict[str, Any] = transform(packaged, dict(parameters), _NoManagedPolicies())
    return result


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def app_routes() -> set[str]:
    app = create_app(
        TodoService(InMemoryTodoRepository()), OpenAccess(), Settings(), InMemoryDocumentStore()
    )
    return {
        # A Starlette path parameter spans slashes where an API Gateway one ends in `+`.
        f"{method} {route.path.replace(':path}', '+}')}"
        for route in app.routes
        if isinstance(route, Route) and route.include_in_schema
        # The legacy paths take every method and answer those they do not serve themselves.
        for method in route.methods or route.endpoint.served  # type: ignore[attr-defined]
        # Starlette answers HEAD wherever it answers GET; the API has never routed HEAD.
        if method != "HEAD"
    }


def deployed(template: dict[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """What CloudFormation would create with these parameters: conditional resources kept or
    dropped, `Fn::If` and `AWS::NoValue` decided, parameters' `Ref`s replaced by their values."""
    values = _parameter_values(template, parameters)
    conditions = {
        name: bool(_evaluate(test, values, template.get("Conditions", {})))
        for name, test in template.get("Conditions", {}).items()
    }
    kept = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
    }
    resolved: dict[str, Any] = _resolve({"Resources": kept}, values, conditions)
    return resolved


def rules_hold(template: dict[str, Any], parameters: Mapping[str, str]) -> bool:
    values = _parameter_values(template, parameters)
    return all(
        _evaluate(assertion["Assert"], values, {})
        for rule in template["Rules"].values()
        for assertion in rule["Assertions"]
    )


def _parameter_values(template: dict[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
    return {name: p.get("Default") for name, p in template["Parameters"].items()} | dict(given)


def _evaluate(node: Any, values: Mapping[str, Any], conditions: Mapping[str, Any]) -> Any:
    """A condition or rule assertion, with the functions CloudFormation allows in them."""
    if not isinstance(node, dict):
        return node
    ((function, argument),) = node.items()
    if function == "Ref":
        return values[argument]
    if function == "Condition":
        return _evaluate(conditions[argument], values, conditions)
    evaluated = [_evaluate(a, values, conditions) for a in argument]
    match function:
        case "Fn::Equals":
            return evaluated[0] == evaluated[1]
        case "Fn::Not":
            return not evaluated[0]
        case "Fn::And":
            return all(evaluated)
        case "Fn::Or":
            return any(evaluated)
    raise AssertionError(f"the test cannot evaluate {function}")


_NO_VALUE = object()


def _resolve(node: Any, values: Mapping[str, Any], conditions: Mapping[str, bool]) -> Any:
    if isinstance(node, list):
        items = (_resolve(item, values, conditions) for item in node)
        return [item for item in items if item is not _NO_VALUE]
    if not isinstance(node, dict):
        return node
    if node == {"Ref": "AWS::NoValue"}:
        return _NO_VALUE
    if set(node) == {"Ref"} and node["Ref"] in values:
        return values[node["Ref"]]
    if set(node) == {"Fn::If"}:
        condition, when_true, when_false = node["Fn::If"]
        chosen = when_true if conditions[condition] else when_false
        return _resolve(chosen, values, conditions)
    pairs = ((key, _resolve(value, values, conditions)) for key, value in node.items())
    return {key: value for key, value in pairs if value is not _NO_VALUE}


def routes(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["RouteKey"]: r for r in resources(template, "AWS::ApiGatewayV2::Route")}


def test_cfn_lint_finds_nothing() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([cfn_lint, str(TEMPLATE)], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_table_keys_and_index_equal_the_codes_definition(template: dict[str, Any]) -> None:
    declared = template["Resources"]["TodoTable"]["Properties"]
    expected = table_definition("unused")
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
        assert declared[key] == expected[key], key


def test_records_table_equals_the_codes_definition_with_ttl_on_expires_at(
    template: dict[str, Any],
) -> None:
    declared = template["Resources"]["RecordsTable"]["Properties"]
    expected = records_table_definition("unused")
    for key in ("AttributeDefinitions", "KeySchema", "BillingMode"):
        assert declared[key] == expected[key], key
    assert "GlobalSecondaryIndexes" not in declared
    assert declared["TimeToLiveSpecification"] == records_ttl()


def test_the_function_is_told_both_tables(translated: dict[str, Any]) -> None:
    (function,) = resources(translated, "AWS::Lambda::Function")
    variables = function["Environment"]["Variables"]
    assert variables["TODO_TABLE_NAME"] == {"Ref": "TodoTable"}
    assert variables["TODO_RECORDS_TABLE"] == {"Ref": "RecordsTable"}


def test_the_records_table_grants_only_single_item_calls(translated: dict[str, Any]) -> None:
    (role,) = resources(translated, "AWS::IAM::Role")
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    on_records = [s for s in statements if "RecordsTable" in str(s["Resource"])]
    assert [s["Resource"] for s in on_records] == [{"Fn::GetAtt": ["RecordsTable", "Arn"]}]
    assert set(on_records[0]["Action"]) <= {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    }


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
    assert function["Runtime"] == f"python{packaging.LAMBDA_PYTHON}"
    assert function["Architectures"] == ["arm64"]
    assert packaging.LAMBDA_PLATFORM.endswith("aarch64")


def test_timeout_sits_between_a_requests_worst_case_and_api_gateways_limit(
    translated: dict[str, Any],
) -> None:
    """docs/operations.md's arithmetic: the deadline, one attempt started just before it, and the
    back-offs botocore sleeps through after it (tests/e2e/test_faults_http.py measures it)."""
    (function,) = resources(translated, "AWS::Lambda::Function")
    variables = function["Environment"]["Variables"]
    settings = Settings.from_env({k: v for k, v in variables.items() if isinstance(v, str)})
    worst_request = settings.request_timeout + settings.dynamodb_overrun_s
    assert worst_request == pytest.approx(10 + (1 + 2) + (0.05 + 0.1))
    assert worst_request + DEADLINE_MARGIN_S < function["Timeout"] < API_GATEWAY_LIMIT_S


def test_api_routes_every_path_the_app_serves_and_graphiqls_page(
    translated: dict[str, Any],
) -> None:
    assert set(routes(translated)) == app_routes()
    (stage,) = resources(translated, "AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == {"Ref": "StageName"}
    assert stage["AutoDeploy"] is True
    assert set(stage["DefaultRouteSettings"]) == {"ThrottlingRateLimit", "ThrottlingBurstLimit"}


def test_every_route_reaches_the_function_which_only_this_api_may_invoke(
    translated: dict[str, Any],
) -> None:
    stack = deployed(translated, {})
    (integration,) = resources(stack, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["TodoFunction", "Arn"]}
    assert integration["PayloadFormatVersion"] == "2.0"
    targets = {route["Target"]["Fn::Sub"] for route in routes(stack).values()}
    assert targets == {"integrations/${TodoIntegration}"}
    (permission,) = resources(stack, "AWS::Lambda::Permission")
    assert permission["FunctionName"] == {"Ref": "TodoFunction"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${TodoHttpApi}/${StageName}/*")


def test_snapstart_is_off_by_default(translated: dict[str, Any]) -> None:
    (function,) = resources(deployed(translated, {}), "AWS::Lambda::Function")
    assert "SnapStart" not in function


def test_with_snapstart_the_api_invokes_the_published_version_that_lambda_snapshots() -> None:
    parameters = {"SnapStart": "true"}
    stack = deployed(translate(parameters), parameters)
    (function,) = resources(stack, "AWS::Lambda::Function")
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert function["Runtime"] in SNAPSTART_RUNTIMES
    ((version_id, version),) = [
        (logical_id, resource)
        for logical_id, resource in stack["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Version"
    ]
    assert version["Properties"]["FunctionName"] == {"Ref": "TodoFunction"}
    (alias,) = resources(stack, "AWS::Lambda::Alias")
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    (integration,) = resources(stack, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationUri"] == {"Ref": "TodoFunctionAliaslive"}
    (permission,) = resources(stack, "AWS::Lambda::Permission")
    assert permission["FunctionName"] == {"Ref": "TodoFunctionAliaslive"}


def test_flipping_snapstart_publishes_a_new_version() -> None:
    """A version keeps the configuration it was published with: turning SnapStart on must
    publish one, or the alias would go on invoking a version without a snapshot."""

    def version_ids(parameters: dict[str, str]) -> set[str]:
        return {
            logical_id
            for logical_id, resource in translate(parameters)["Resources"].items()
            if resource["Type"] == "AWS::Lambda::Version"
        }

    assert version_ids({"SnapStart": "true"}).isdisjoint(version_ids({"SnapStart": "false"}))


def test_without_jwt_parameters_no_route_is_authorized(translated: dict[str, Any]) -> None:
    stack = deployed(translated, {})
    assert resources(stack, "AWS::ApiGatewayV2::Authorizer") == []
    for key, route in routes(stack).items():
        assert route["AuthorizationType"] == "NONE", key
        assert "AuthorizerId" not in route, key
    (function,) = resources(stack, "AWS::Lambda::Function")
    assert function["Environment"]["Variables"]["TODO_AUTH"] == "none"


def test_with_jwt_parameters_every_route_but_pages_and_preflights_needs_a_token(
    translated: dict[str, Any],
) -> None:
    stack = deployed(translated, JWT_AUTH)
    (authorizer,) = resources(stack, "AWS::ApiGatewayV2::Authorizer")
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": [AUDIENCE]}
    authorized = {
        key
        for key, route in routes(stack).items()
        if route["AuthorizationType"] == "JWT"
        and route["AuthorizerId"] == {"Ref": "TodoJwtAuthorizer"}
    }
    unauthorized = {
        key
        for key, route in routes(stack).items()
        if route["AuthorizationType"] == "NONE" and "AuthorizerId" not in route
    }
    assert unauthorized == NEVER_AUTHORIZED
    assert authorized == set(routes(stack)) - NEVER_AUTHORIZED
    (function,) = resources(stack, "AWS::Lambda::Function")
    assert function["Environment"]["Variables"]["TODO_AUTH"] == "jwt"


@pytest.mark.parametrize(
    "parameters", [{"JwtIssuer": ISSUER}, {"JwtAudience": AUDIENCE}], ids=["issuer", "audience"]
)
def test_one_jwt_parameter_without_the_other_is_refused(
    template: dict[str, Any], parameters: dict[str, str]
) -> None:
    assert not rules_hold(template, parameters)


def test_jwt_parameters_both_set_or_both_empty_are_accepted(template: dict[str, Any]) -> None:
    assert rules_hold(template, {})
    assert rules_hold(template, JWT_AUTH)


def test_jwt_issuer_must_be_an_https_url(template: dict[str, Any]) -> None:
    pattern = template["Parameters"]["JwtIssuer"]["AllowedPattern"]
    assert re.fullmatch(pattern, ISSUER)
    assert re.fullmatch(pattern, "")
    assert not re.fullmatch(pattern, "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example")


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
    translated: dict[str, Any], dynamodb: DynamoDBClient, table: str, records_table: str
) -> None:
    needed: set[tuple[str, str]] = set()
    dynamodb.meta.events.register(
        "before-parameter-build.dynamodb", lambda **call: needed.update(_permissions(**call))
    )
    omit_cancellation_items(dynamodb.meta.events)  # the claim is then read: GetItem
    repository = DynamoDBTodoRepository(dynamodb, table, records_table=records_table)
    repository.create(Todo("t", "ann", "x", "pending", 1, 1, 1))
    repository.get("t")
    repository.get_many(["t", "another"])  # one id alone is a GetItem
    repository.list_todos(TodoQuery(first=5))
    repository.list_todos(TodoQuery(first=5, user_id="ann"))
    repository.update(
        "t", changes={"status": "done"}, updated_ms=2, expected_version=None, owner=None
    )
    repository.delete("t", expected_version=None, owner=None)
    for todo_id in ("u", "v"):
        repository.create_once(Todo(todo_id, "ann", "x", "pending", 1, 1, 1), Claim("k", "f", 1, 9))
    (role,) = resources(translated, "AWS::IAM::Role")
    tables = {
        json.dumps({"Fn::GetAtt": ["TodoTable", "Arn"]}): table,
        json.dumps({"Fn::GetAtt": ["RecordsTable", "Arn"]}): records_table,
        json.dumps({"Fn::Sub": f"${{TodoTable.Arn}}/index/{USER_INDEX}"}): f"{table}/{USER_INDEX}",
    }
    granted = {
        (action.removeprefix("dynamodb:"), tables[json.dumps(statement["Resource"])])
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
        if action.startswith("dynamodb:")
    }
    assert granted == needed


# IAM has no action for a transaction: each of its parts needs its own operation's permission.
_TRANSACTION_PARTS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}


def _permissions(model: Any, params: dict[str, Any], **_: Any) -> set[tuple[str, str]]:
    """The (action, table or table/index) pairs one call needs."""
    if model.name == "TransactWriteItems":
        return {
            (_TRANSACTION_PARTS.get(kind, "ConditionCheckItem"), part["TableName"])
            for item in params["TransactItems"]
            for kind, part in item.items()
        }
    if model.name == "BatchGetItem":
        return {(model.name, table) for table in params["RequestItems"]}
    index = f"/{params['IndexName']}" if "IndexName" in params else ""
    return {(model.name, params["TableName"] + index)}


def test_the_records_table_grants_the_calls_the_document_store_makes(
    translated: dict[str, Any], dynamodb: DynamoDBClient, records_table: str
) -> None:
    calls = CallCounter(dynamodb.meta.events)
    store = DynamoDBDocumentStore(dynamodb, records_table)
    store.remember("a" * 64, "{ a }", expires_at=2_000_000_000)
    store.find("a" * 64, now=0)
    store.trust([TrustedDocument("b" * 64, "{ b }")])
    (role,) = resources(translated, "AWS::IAM::Role")
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    (on_records,) = [s for s in statements if "RecordsTable" in str(s["Resource"])]
    assert {f"dynamodb:{operation}" for operation in calls.operations} <= set(on_records["Action"])


def test_logs_are_kept_for_a_set_time(template: dict[str, Any]) -> None:
    (group,) = resources(template, "AWS::Logs::LogGroup")
    assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_outputs_name_the_api_graphql_graphiql_and_tables(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert set(outputs) == {
        "ApiUrl",
        "GraphQLUrl",
        "GraphiQLUrl",
        "TableName",
        "RecordsTableName",
    }
    assert outputs["GraphQLUrl"]["Value"]["Fn::Sub"].endswith("/${StageName}/graphql")
    assert outputs["GraphiQLUrl"]["Value"]["Fn::Sub"].endswith("/${StageName}/graphiql")
