"""Every stable error code the doors answer with, named once.

GraphQL sends them as `extensions.code` (and as `Error.code` on a mutation's result), and
every request's log line lists the ones it met; REST's legacy envelope has no code, but its
log line names the same ones. Clients match on them: a code, once sent, never changes.
"""

from __future__ import annotations

from typing import Final

# A mutation's expected failures: members of its result union (`ErrorCode` in the schema).
NOT_FOUND: Final = "NOT_FOUND"
VERSION_CONFLICT: Final = "VERSION_CONFLICT"
VALIDATION_FAILED: Final = "VALIDATION_FAILED"

# Domain errors that fail a field, or a legacy route.
BAD_USER_INPUT: Final = "BAD_USER_INPUT"
UNAUTHENTICATED: Final = "UNAUTHENTICATED"
FORBIDDEN: Final = "FORBIDDEN"
IDEMPOTENCY_KEY_REUSED: Final = "IDEMPOTENCY_KEY_REUSED"
READ_LIMIT_EXCEEDED: Final = "READ_LIMIT_EXCEEDED"
DEADLINE_EXCEEDED: Final = "DEADLINE_EXCEEDED"
SERVICE_UNAVAILABLE: Final = "SERVICE_UNAVAILABLE"

# Requests refused before execution, and documents that cannot run.
BAD_REQUEST: Final = "BAD_REQUEST"
METHOD_NOT_ALLOWED: Final = "METHOD_NOT_ALLOWED"
NOT_ACCEPTABLE: Final = "NOT_ACCEPTABLE"
UNSUPPORTED_MEDIA_TYPE: Final = "UNSUPPORTED_MEDIA_TYPE"
PAYLOAD_TOO_LARGE: Final = "PAYLOAD_TOO_LARGE"
BATCH_TOO_LARGE: Final = "BATCH_TOO_LARGE"
GRAPHQL_PARSE_FAILED: Final = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED: Final = "GRAPHQL_VALIDATION_FAILED"
COST_LIMIT_EXCEEDED: Final = "COST_LIMIT_EXCEEDED"
WRITE_LIMIT_EXCEEDED: Final = "WRITE_LIMIT_EXCEEDED"
PERSISTED_QUERY_NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_HASH_MISMATCH: Final = "PERSISTED_QUERY_HASH_MISMATCH"
OPERATION_NOT_TRUSTED: Final = "OPERATION_NOT_TRUSTED"

# A persisted query's registration refused: the operation ran, unstored, and its answer's
# `extensions.persistedQuery` says why (no error: clients would fail the operation on one).
PERSISTED_QUERY_TOO_LARGE: Final = "PERSISTED_QUERY_TOO_LARGE"
PERSISTED_QUERY_REGISTRATION_LIMIT: Final = "PERSISTED_QUERY_REGISTRATION_LIMIT"
PERSISTED_QUERY_REGISTRATION_NEEDS_POST: Final = "PERSISTED_QUERY_REGISTRATION_NEEDS_POST"

# What went wrong on our side, or in the answer.
RESPONSE_TOO_LARGE: Final = "RESPONSE_TOO_LARGE"
INTERNAL_SERVER_ERROR: Final = "INTERNAL_SERVER_ERROR"
