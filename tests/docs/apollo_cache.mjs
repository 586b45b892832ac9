// What Apollo Client's InMemoryCache keeps of an error union member, with and without
// possibleTypes, as docs/frontend.md tells it: argv[2] is the API's /graphql, argv[3] the
// possibleTypes JSON. Apollo comes from the client tests' install (tests/e2e/clients).
// Prints {"without": <createTodo as read>, "with": <createTodo as read>}.
import { createRequire } from "node:module";

const require = createRequire(new URL("../e2e/clients/package.json", import.meta.url));
const { ApolloClient, HttpLink, InMemoryCache, gql } = require("@apollo/client");

const [url, possibleTypesJson] = process.argv.slice(2);

// The README's and docs/api.md's own selection: the shared fields through the interface.
const CREATE = gql`
  mutation Create($input: CreateTodoInput!) {
    createTodo(input: $input) {
      __typename
      ... on Todo { id status version }
      ... on Error { code message }
      ... on ValidationFailed { field }
    }
  }
`;

async function createAnEmptyTodo(cache) {
  const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache });
  const { data } = await client.mutate({
    mutation: CREATE,
    variables: { input: { userId: "ann", content: "" } },
  });
  return data.createTodo;
}

const without = await createAnEmptyTodo(new InMemoryCache());
const possibleTypes = JSON.parse(possibleTypesJson);
const withTypes = await createAnEmptyTodo(new InMemoryCache({ possibleTypes }));
console.log(JSON.stringify({ without, with: withTypes }));
