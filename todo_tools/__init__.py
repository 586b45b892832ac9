"""The workshop: what a person runs at a desk (the `todo-api` command, the Lambda artifact's
build, the legacy copy, table creation, tokens for a local server).

Nothing in `graphql_api`, the package Lambda imports, imports this one, and the artifact ships
none of it.
"""
