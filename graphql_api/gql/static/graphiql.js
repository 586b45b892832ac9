// Starts GraphiQL, configured by the page's #graphiql element. A file rather than an inline
// script, so the page's Content-Security-Policy can refuse every inline script.
(function () {
  "use strict";

  var root = document.getElementById("graphiql");
  if (typeof React === "undefined" || typeof GraphiQL === "undefined") {
    // A blocked or altered file (its integrity check failed) leaves nothing to start.
    root.textContent =
      "GraphiQL's files did not load; the browser's console says which and why.";
    return;
  }

  var needsToken = root.dataset.needsToken === "true";
  var welcome =
    "# GraphiQL for the todo API.\n#\n" +
    "# Run an operation with Ctrl-Enter or the play button; Ctrl-Space completes.\n#\n" +
    "#     { todos(first: 10) { nodes { id content status } } }\n#\n";
  if (needsToken) {
    welcome +=
      "# This API needs a bearer token. Open the Headers tab below and set:\n#\n" +
      '#     {"Authorization": "Bearer <your token>"}\n#\n' +
      "# Running locally with `todo-api serve --auth`, `todo-api token <user id>`\n" +
      "# prints one.\n#\n";
  }

  // Everything relative to the page, so it works under an API Gateway stage (/prod/graphiql).
  var params = new URLSearchParams(window.location.search);
  var http = GraphiQL.createFetcher({
    url: new URL(root.dataset.endpoint, window.location.href).href,
  });
  var pasteYourToken =
    "This API needs a bearer token, and none is set yet.\n\n" +
    "Paste your token into the Headers tab below, in place of <your token>:\n\n" +
    '    {"Authorization": "Bearer <your token>"}\n\n' +
    "The schema loads, and operations run, once it is there. Running locally with\n" +
    "`todo-api serve --auth`, `todo-api token <user id>` prints one.";

  function hasToken(headers) {
    var names = Object.keys(headers || {});
    return names.some(function (name) {
      var value = headers[name];
      return (
        name.toLowerCase() === "authorization" &&
        typeof value === "string" &&
        /^Bearer\s+[^\s<>]+$/i.test(value.trim())
      );
    });
  }

  function parsedHeaders(text) {
    try {
      return JSON.parse(text || "{}");
    } catch (error) {
      return {};
    }
  }

  // Sends nothing until a token is set: a placeholder would only earn a 401, which GraphiQL
  // shows as the page's first words. GraphiQL shows a string answer to its schema request as
  // it is, so that is where the page asks for the token.
  function askingForAToken() {
    return function (request, options) {
      if (hasToken(options && options.headers)) {
        return http(request, options);
      }
      if (request.operationName === "IntrospectionQuery") {
        return Promise.resolve(pasteYourToken);
      }
      return Promise.resolve({ errors: [{ message: pasteYourToken }] });
    };
  }
  // GraphiQL fetches the schema again whenever its fetcher changes: a second one, handed over
  // once a token is typed, loads the schema with it.
  var withoutToken = askingForAToken();
  var withToken = askingForAToken();

  function remember(name, value) {
    if (value) {
      params.set(name, value);
    } else {
      params.delete(name);
    }
    history.replaceState(null, "", "?" + params.toString());
  }

  function TodoGraphiQL() {
    var query = React.useState(params.get("q") || welcome);
    var variables = React.useState(params.get("variables") || undefined);
    var headers = React.useState(
      needsToken ? '{"Authorization": "Bearer <your token>"}' : undefined,
    );
    var fetcher = http;
    if (needsToken) {
      fetcher = hasToken(parsedHeaders(headers[0])) ? withToken : withoutToken;
    }
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultEditorToolsVisibility: true,
      query: query[0],
      variables: variables[0],
      headers: headers[0],
      onEditQuery: function (value) {
        query[1](value);
        remember("q", value);
      },
      onEditVariables: function (value) {
        variables[1](value);
        remember("variables", value);
      },
      onEditHeaders: headers[1],
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    });
  }

  ReactDOM.createRoot(root).render(React.createElement(TodoGraphiQL));
})();
