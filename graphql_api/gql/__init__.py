"""The GraphQL door: Strawberry schema, context and the GraphQL-over-HTTP endpoint."""
