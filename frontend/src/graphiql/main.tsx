/**
 * The GraphiQL explorer that /graphql/ serves while GRAPHQL_IDE is on (development). Bundled here
 * with its editor workers, so the page loads nothing but this server's files: it works offline
 * and needs no inline script. Queries and mutations go over HTTP with the session cookie and the
 * CSRF header, subscriptions over graphql-transport-ws, exactly like the app's own client.
 */
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import "./graphiql.css";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createClient } from "graphql-ws";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { csrfFetch, GRAPHQL_PATH, websocketUrl } from "../graphql/client";

const fetcher = createGraphiQLFetcher({
  url: GRAPHQL_PATH,
  fetch: csrfFetch,
  wsClient: createClient({ url: websocketUrl(), lazy: true }),
});

const root = document.getElementById("graphiql");
if (!root) throw new Error("The GraphiQL page has no #graphiql element.");

createRoot(root).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultEditorToolsVisibility />
  </StrictMode>,
);
