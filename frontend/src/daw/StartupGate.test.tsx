// @vitest-environment happy-dom
/**
 * The gate through urql's real client (only HTTP is replaced): no knob is drawn before the
 * server's parameter ranges are in, and a server whose parameters this page does not know
 * is reported instead of being half-used.
 */
import { cleanup, render, screen } from "@testing-library/react";
import { Client, fetchExchange, Provider } from "urql";
import { afterEach, describe, expect, it } from "vitest";
import { SERVED_PARAMS } from "../audio/params.fixture";
import type { StartupQuery } from "../gql/graphql";
import NAME_RULE from "../presets/presetNameRule.fixture.json";
import { StartupGate } from "./StartupGate";

afterEach(cleanup);

function startupAnswer(presetParameters: unknown[]): StartupQuery {
  return { presetParameters, presetNameRule: NAME_RULE, me: null, samples: [], presets: { totalCount: 0, results: [] } } as StartupQuery;
}

function renderWith(respond: () => Promise<Response>) {
  const client = new Client({ url: "http://test/graphql/", requestPolicy: "network-only", fetch: respond, exchanges: [fetchExchange] });
  return render(
    <Provider value={client}>
      <StartupGate />
    </Provider>,
  );
}

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });

describe("StartupGate", () => {
  it("shows only the loading steps while the start-up answer is on its way", () => {
    renderWith(() => new Promise<Response>(() => undefined));
    const steps = screen.getAllByRole("listitem").map((step) => step.textContent);
    expect(steps).toEqual(["Loading the presets", "Loading the sample library", "Starting the audio engine"]);
    expect(screen.queryAllByRole("slider")).toEqual([]);
  });

  it("reports a server with a parameter this page does not know", async () => {
    renderWith(async () => json({ data: startupAnswer([...SERVED_PARAMS, { ...SERVED_PARAMS[0], parameter: "kickPitch" }]) }));
    expect(await screen.findByText(/does not match the server's parameters \(unknown kickPitch\)\. Reload the page\./)).toBeTruthy();
    expect(screen.queryAllByRole("slider")).toEqual([]);
  });

  it("reports a server that lacks a parameter this page needs", async () => {
    renderWith(async () => json({ data: startupAnswer(SERVED_PARAMS.filter((item) => item.parameter !== "bpm")) }));
    expect(await screen.findByText(/missing bpm/)).toBeTruthy();
    expect(screen.queryAllByRole("slider")).toEqual([]);
  });

  it("shows why the start-up answer failed", async () => {
    renderWith(async () => new Response("", { status: 502, statusText: "Bad Gateway" }));
    expect(await screen.findByText(/Bad Gateway/)).toBeTruthy();
    expect(screen.queryAllByRole("slider")).toEqual([]);
  });
});
