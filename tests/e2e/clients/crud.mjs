// A full create/read/update/delete through Apollo Client against the API at argv[2], as an
// app would do it, with the links argv[3] names:
//   apq        PersistedQueryLink + HttpLink (hashes first, the query only when asked)
//   apq-get    the same, hashed queries sent with GET (useGETForHashedQueries)
//   batch      BatchHttpLink (operations issued together travel in one request)
//   apq-batch  PersistedQueryLink + BatchHttpLink
// An optional argv[4] is a bearer token. Prints one JSON object: what each step returned, and
// every HTTP exchange (method, request body or URL query, status, cache headers), so the
// Python test can check both the results and what went over the wire.
import { createHash } from "node:crypto";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, mode, token] = process.argv.slice(2);
const exchanges = [];

async function recordingFetch(input, init = {}) {
  const response = await fetch(input, init);
  const target = new URL(typeof input === "string" ? input : input.url);
  exchanges.push({
    method: init.method ?? "GET",
    query: Object.fromEntries(target.searchParams),
    body: init.body ? JSON.parse(init.body) : null,
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
    vary: response.headers.get("vary"),
  });
  return response;
}

const headers = token ? { authorization: `Bearer ${token}` } : {};
const transport = mode.endsWith("batch")
  ? new BatchHttpLink({ uri: url, fetch: recordingFetch, headers, batchInterval: 20 })
  : new HttpLink({ uri: url, fetch: recordingFetch, headers });
const persisted = new PersistedQueryLink({
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  useGETForHashedQueries: mode === "apq-get",
});
const link = mode.startsWith("apq") ? ApolloLink.from([persisted, transport]) : transport;
const client = new ApolloClient({
  link,
  cache: new InMemoryCache(),
  defaultOptions: {
    query: { fetchPolicy: "no-cache" },
    mutate: { fetchPolicy: "no-cache" },
  },
});

const CREATE = gql`
  mutation Create($input: CreateTodoInput!) {
    createTodo(input: $input) {
      ... on Todo { id content status version }
      ... on ValidationFailed { field }
    }
  }
`;
const READ = gql`
  query Read($id: ID!) {
    todo(id: $id) { id content status version }
  }
`;
const UPDATE = gql`
  mutation Update($input: UpdateTodoInput!) {
    updateTodo(input: $input) {
      ... on Todo { id status version }
      ... on VersionConflict { currentVersion }
    }
  }
`;
const DELETE = gql`
  mutation Delete($input: DeleteTodoInput!) {
    deleteTodo(input: $input) {
      ... on Todo { id version }
    }
  }
`;

const mutate = async (mutation, input) =>
  (await client.mutate({ mutation, variables: { input } })).data;
const read = async (id) => (await client.query({ query: READ, variables: { id } })).data.todo;

const steps = {};
const userId = token ? undefined : "apollo";
// Issued together: BatchHttpLink sends both in one request, in this order.
const [first, second] = await Promise.all([
  mutate(CREATE, { userId, content: "milk" }),
  mutate(CREATE, { userId, content: "bread" }),
]);
steps.created = [first.createTodo, second.createTodo];
const id = first.createTodo.id;
steps.read = await Promise.all([read(id), read(second.createTodo.id)]);
steps.readAgain = await read(id);
steps.updated = (await mutate(UPDATE, { id, status: "done", expectedVersion: 1 })).updateTodo;
steps.stale = (await mutate(UPDATE, { id, status: "late", expectedVersion: 1 })).updateTodo;
steps.deleted = await Promise.all([
  mutate(DELETE, { id, expectedVersion: 2 }),
  mutate(DELETE, { id: second.createTodo.id }),
]).then((results) => results.map((result) => result.deleteTodo));
steps.afterDelete = await read(id);

process.stdout.write(JSON.stringify({ steps, exchanges }) + "\n");
