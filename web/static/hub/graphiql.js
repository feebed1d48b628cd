// GraphiQL over the browser session: the cookie goes with each request (same origin), and the
// session's CSRF token in the header /graphql asks of the hub's own pages.
(function () {
  "use strict";
  const root = document.getElementById("graphiql");
  const headers = {};
  if (root.dataset.csrfToken) {
    headers[root.dataset.csrfHeader] = root.dataset.csrfToken;
  }
  const fetcher = GraphiQL.createFetcher({ url: "/graphql", headers: headers });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }),
  );
})();
