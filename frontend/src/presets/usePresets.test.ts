/**
 * loadAllPresets through urql's real client; only HTTP is replaced, by a fetch serving 250
 * presets in pages of at most 100, as the server does.
 */
import { Client, fetchExchange } from "urql";
import { describe, expect, it } from "vitest";
import type { PresetPageFieldsFragment } from "../gql/graphql";
import type { Preset } from "./presets";
import { loadAllPresets } from "./usePresets";

const PAGE_SIZE = 100;

function preset(id: number): Preset {
  return {
    id: String(id),
    name: `Preset ${id}`,
    isShared: false,
    bpm: 130,
    kickKey: "kick-909-punch",
    aiKick: null,
    kickLength: 0.5,
    kickDistortion: 0.1,
    kickOtt: 0.5,
    noiseKey: "noise-pink",
    noiseLowPass: 5000,
    noiseHighPass: 100,
    noiseVolume: -30,
    reverbKey: "ir-warehouse",
    reverbLowPass: 4000,
    reverbHighPass: 200,
    reverbVolume: -12,
    masterOtt: 0.3,
    masterDistortion: 0.1,
    limiterPreGain: 2,
  };
}

function page(all: Preset[], offset: number): PresetPageFieldsFragment {
  return { totalCount: all.length, results: all.slice(offset, offset + PAGE_SIZE) };
}

function server(all: Preset[], failAtOffset: number | null = null) {
  const offsets: number[] = [];
  const client = new Client({
    url: "http://test/graphql/",
    requestPolicy: "network-only",
    preferGetMethod: false, // as the app's client: POST
    fetch: async (_input, init) => {
      const { offset } = (JSON.parse(String(init?.body)) as { variables: { offset: number } }).variables;
      offsets.push(offset);
      if (offset === failAtOffset) return new Response("", { status: 502 });
      return new Response(JSON.stringify({ data: { presets: page(all, offset) } }), { headers: { "Content-Type": "application/json" } });
    },
    exchanges: [fetchExchange],
  });
  return { client, offsets };
}

const library = Array.from({ length: 250 }, (_, index) => preset(index + 1));

describe("loadAllPresets", () => {
  it("fetches every page from the start", async () => {
    const { client, offsets } = server(library);

    const presets = await loadAllPresets(client);

    expect(presets.map((item) => item.id)).toEqual(library.map((item) => item.id));
    expect(offsets).toEqual([0, 100, 200]);
  });

  it("continues after a first page the caller already has", async () => {
    const { client, offsets } = server(library);

    const presets = await loadAllPresets(client, page(library, 0));

    expect(presets).toHaveLength(250);
    expect(offsets).toEqual([100, 200]);
  });

  it("asks for nothing more when the first page holds everything", async () => {
    const { client, offsets } = server(library.slice(0, 9));

    expect(await loadAllPresets(client, page(library.slice(0, 9), 0))).toHaveLength(9);
    expect(offsets).toEqual([]);
  });

  it("rejects when a page cannot be fetched", async () => {
    const { client } = server(library, 100);

    await expect(loadAllPresets(client)).rejects.toThrow();
  });
});
