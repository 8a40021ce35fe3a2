// @vitest-environment happy-dom
/**
 * useKickGeneration through urql's real client and exchanges; only the network is replaced: the
 * websocket by a sink this test drives, HTTP by a fetch that answers the mutation.
 */
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { Client, fetchExchange, Provider, subscriptionExchange } from "urql";
import { describe, expect, it, vi } from "vitest";
import type { GenerationStage } from "../gql/graphql";
import type { AiKick, KickQuota } from "./kicks";
import { testRecipe } from "./recipe.fixture";
import { useKickGeneration } from "./useKickGeneration";

interface Sink {
  next: (value: { data: unknown }) => void;
  complete: () => void;
}

function progress(requestId: string, stage: GenerationStage, fraction: number, step = 0, totalSteps = 0) {
  return { data: { kickGeneration: { requestId, stage, step, totalSteps, fraction, message: "", preview: null } } };
}

const stored: AiKick = {
  id: "7",
  name: "AI: Dieter",
  audioUrl: "/media/kicks/1/7.wav",
  createdAt: "2026-11-25T05:00:00+00:00",
  recipe: testRecipe({ seed: "7" }),
};

const quota: KickQuota = {
  remainingGensToday: 10,
  totalGensCount: 0,
  dailyLimit: 10,
  totalCap: 30,
  resetsAt: "2026-11-26T05:00:00+00:00",
  quotaTimeZone: "America/New_York",
  dailyLimitMessage: "Daily limit reached: all 10 kick generations used today. More at 12:00 AM EST.",
  totalCapMessage: "Delete kicks to generate more (30/30)",
};

/** A client whose websocket and HTTP are this test's; `answer` runs when the mutation is posted. */
function network(answer: (requestId: string, sink: Sink | null) => Promise<unknown>) {
  const events: string[] = [];
  let sink: Sink | null = null;
  const client = new Client({
    url: "http://test/graphql/",
    requestPolicy: "network-only",
    fetch: async (_input, init) => {
      const body = JSON.parse(String(init?.body)) as { variables: { requestId: string; prompt?: string } };
      events.push(`mutation ${body.variables.requestId}${body.variables.prompt ? ` ${body.variables.prompt}` : ""}`);
      const data = await answer(body.variables.requestId, sink);
      return new Response(JSON.stringify({ data }), { headers: { "Content-Type": "application/json" } });
    },
    exchanges: [
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (observer) => {
            events.push(`subscribe ${(request.variables as { requestId: string }).requestId}`);
            sink = observer as Sink;
            return { unsubscribe: () => events.push("unsubscribe") };
          },
        }),
      }),
      fetchExchange,
    ],
  });
  const wrapper = ({ children }: { children: ReactNode }) => <Provider value={client}>{children}</Provider>;
  return { wrapper, events };
}

describe("useKickGeneration", () => {
  it("subscribes before sending the mutation, shows live progress and hands over the kick", async () => {
    let release: () => void = () => undefined;
    const { wrapper, events } = network(
      (requestId, sink) =>
        new Promise((resolve) => {
          sink?.next(progress(requestId, "LOADING_MODEL", 0.02, 0, 1));
          sink?.next(progress(requestId, "SAMPLING", 0.475, 25, 50));
          release = () => resolve({ generateKick: { __typename: "GenerateKickSuccess", kick: stored, remainingGensToday: 9, totalGensCount: 1 } });
        }),
    );
    const updateQuota = vi.fn();
    const onGenerated = vi.fn(async () => undefined);
    const { result } = renderHook(() => useKickGeneration({ quota, updateQuota, onGenerated }), { wrapper });

    let done: Promise<void> = Promise.resolve();
    act(() => {
      done = result.current.generate({ prompt: "hit house" });
    });
    await waitFor(() => expect(result.current.state).toMatchObject({ status: "running", progress: { stage: "SAMPLING", percent: 48, label: "Sampling 25/50" } }));
    await act(async () => {
      release();
      await done;
    });

    const [subscribed, mutated] = events;
    const requestId = subscribed!.split(" ")[1]!;
    expect(subscribed).toBe(`subscribe ${requestId}`);
    expect(mutated).toBe(`mutation ${requestId} hit house`);
    expect(events.at(-1)).toBe("unsubscribe");
    expect(onGenerated).toHaveBeenCalledWith(stored);
    expect(updateQuota).toHaveBeenCalledWith({ remainingGensToday: 9, totalGensCount: 1 });
    expect(result.current.state).toEqual({ status: "idle" });
  });

  it("refuses at the cap without asking the server", async () => {
    const { wrapper, events } = network(async () => {
      throw new Error("must not be called");
    });
    const full = { ...quota, totalGensCount: 30 };
    const { result } = renderHook(() => useKickGeneration({ quota: full, updateQuota: vi.fn(), onGenerated: vi.fn() }), { wrapper });
    await act(() => result.current.generate({ prompt: "hit house" }));
    expect(result.current.state).toEqual({ status: "refused", message: "Delete kicks to generate more (30/30)" });
    expect(events).toEqual([]);
  });

  it("reports a failed generation as retryable, touching neither kicks nor quota, and retries the same request with a new request id", async () => {
    const { wrapper, events } = network(async () => ({ generateKick: { __typename: "GenerationFailed", message: "The generator failed.", retryable: true } }));
    const updateQuota = vi.fn();
    const onGenerated = vi.fn();
    const { result } = renderHook(() => useKickGeneration({ quota, updateQuota, onGenerated }), { wrapper });
    await act(() => result.current.generate({ prompt: "punchy techno" }));
    expect(result.current.state).toEqual({ status: "failed", message: "The generator failed.", retryable: true });
    expect(onGenerated).not.toHaveBeenCalled();
    expect(updateQuota).toHaveBeenCalledWith({});
    await act(() => result.current.retry());
    const ids = events.filter((event) => event.startsWith("subscribe")).map((event) => event.split(" ")[1]);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(events.filter((event) => event.startsWith("mutation")).map((event) => event.split(" ").slice(2).join(" "))).toEqual(["punchy techno", "punchy techno"]);
  });

  it("says so when the kick was stored but its audio could not be loaded", async () => {
    const { wrapper } = network(async () => ({ generateKick: { __typename: "GenerateKickSuccess", kick: stored, remainingGensToday: 9, totalGensCount: 1 } }));
    const onGenerated = vi.fn(async () => {
      throw new Error("HTTP 404");
    });
    const { result } = renderHook(() => useKickGeneration({ quota, updateQuota: vi.fn(), onGenerated }), { wrapper });
    await act(() => result.current.generate({ prompt: "hit house" }));
    expect(result.current.state).toEqual({ status: "failed", message: "AI: Dieter was generated but its audio could not be loaded (HTTP 404).", retryable: false });
  });
});

describe("a kick from a sample", () => {
  it("is sent as a GraphQL multipart upload with the sample as a file", async () => {
    const bodies: FormData[] = [];
    const client = new Client({
      url: "http://test/graphql/",
      requestPolicy: "network-only",
      fetch: async (_input, init) => {
        bodies.push(init?.body as FormData);
        const data = { generateKick: { __typename: "ValidationErrors", message: "The sample is silent." } };
        return new Response(JSON.stringify({ data }), { headers: { "Content-Type": "application/json" } });
      },
      exchanges: [subscriptionExchange({ forwardSubscription: () => ({ subscribe: () => ({ unsubscribe: () => undefined }) }) }), fetchExchange],
    });
    const wrapper = ({ children }: { children: ReactNode }) => <Provider value={client}>{children}</Provider>;
    const { result } = renderHook(() => useKickGeneration({ quota, updateQuota: vi.fn(), onGenerated: vi.fn() }), { wrapper });
    const sample = new File([new Uint8Array([82, 73, 70, 70])], "My Kick.wav", { type: "audio/wav" });

    await act(() => result.current.generate({ prompt: "hit techno", reference: sample, strength: 0.6 }));

    const [body] = bodies;
    expect(body).toBeInstanceOf(FormData);
    const operations = JSON.parse(String(body!.get("operations"))) as { variables: Record<string, unknown> };
    expect(operations.variables).toMatchObject({ prompt: "hit techno", strength: 0.6, reference: null });
    const map = JSON.parse(String(body!.get("map"))) as Record<string, string[]>;
    const [field, paths] = Object.entries(map)[0]!;
    expect(paths).toEqual(["variables.reference"]);
    expect((body!.get(field) as File).name).toBe("My Kick.wav");
    expect(result.current.state).toEqual({ status: "refused", message: "The sample is silent." });
  });
});
