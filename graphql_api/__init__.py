"""A todo service's GraphQL API (and the legacy REST routes) for AWS Lambda over DynamoDB."""
