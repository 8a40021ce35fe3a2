/**
 * The urql client: queries and mutations over HTTP POST with Django's CSRF token, subscriptions
 * over graphql-transport-ws on the same /graphql/ path, both carrying the session cookie.
 */
import { createClient as createWsClient } from "graphql-ws";
import { Client, fetchExchange, subscriptionExchange } from "urql";

export const GRAPHQL_PATH = "/graphql/";

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return null;
}

let csrfReady: Promise<void> | null = null;

/** The GraphQL view sets the csrftoken cookie on any response, so one GET obtains it before the first POST. */
function ensureCsrfCookie(): Promise<void> {
  if (readCookie("csrftoken")) return Promise.resolve();
  csrfReady ??= fetch(`${GRAPHQL_PATH}?query=${encodeURIComponent("{__typename}")}`, { credentials: "same-origin" }).then(
    () => undefined,
    (error: unknown) => {
      csrfReady = null;
      throw error;
    },
  );
  return csrfReady;
}

/** fetch with the session cookie and, for anything but GET, Django's CSRF token in X-CSRFToken. */
export async function csrfFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  if ((init.method ?? "GET").toUpperCase() !== "GET") await ensureCsrfCookie();
  const headers = new Headers(init.headers);
  const token = readCookie("csrftoken");
  if (token) headers.set("X-CSRFToken", token);
  return fetch(input, { ...init, headers, credentials: "same-origin" });
}

export function websocketUrl(): string {
  const url = new URL(GRAPHQL_PATH, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export function createGraphqlClient(): Client {
  const ws = createWsClient({ url: websocketUrl(), lazy: true, retryAttempts: 3 });
  return new Client({
    url: GRAPHQL_PATH,
    fetch: csrfFetch,
    preferGetMethod: false,
    requestPolicy: "network-only",
    // No document cache: the app keeps presets and kicks in its own state, and a cache would
    // re-run the start-up query whenever a mutation returns a type it contains.
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
  });
}
