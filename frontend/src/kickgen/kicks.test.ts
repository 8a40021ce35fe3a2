import { describe, expect, it } from "vitest";
import {
  capMessage,
  capReached,
  cycleKick,
  downloadFileName,
  quotaTimeLabel,
  FIRST_KICK_NOTE,
  generationOutcome,
  NETWORK_PROBLEM,
  newRequestId,
  kickIdOfKey,
  previewPixels,
  progressView,
  QUEUED_PROGRESS,
  quotaNotice,
  quotaSummary,
  sortKicks,
  successorOf,
  type AiKick,
  type KickQuota,
} from "./kicks";
import { testRecipe } from "./recipe.fixture";

function kick(id: string, name: string): AiKick {
  return { id, name, audioUrl: `/media/kicks/1/${id}.wav`, createdAt: "2026-11-25T05:00:00+00:00", recipe: testRecipe() };
}

function quota(overrides: Partial<KickQuota> = {}): KickQuota {
  return {
    remainingGensToday: 10,
    totalGensCount: 0,
    dailyLimit: 10,
    totalCap: 30,
    resetsAt: "2026-11-26T05:00:00+00:00",
    quotaTimeZone: "America/New_York",
    dailyLimitMessage: "Daily limit reached: all 10 kick generations used today. More at 12:00 AM EST.",
    totalCapMessage: "Delete kicks to generate more (30/30)",
    ...overrides,
  };
}

describe("sortKicks", () => {
  it("orders by name alphabetically, umlauts and case where a reader expects them", () => {
    const sorted = sortKicks([kick("1", "AI: Ute"), kick("2", "AI: bernd"), kick("3", "AI: Bärbel"), kick("4", "AI: Anja"), kick("5", "AI: Özlem")]);
    expect(sorted.map((item) => item.name)).toEqual(["AI: Anja", "AI: Bärbel", "AI: bernd", "AI: Özlem", "AI: Ute"]);
  });

  it("does not change its input", () => {
    const kicks = [kick("1", "AI: Ute"), kick("2", "AI: Anja")];
    sortKicks(kicks);
    expect(kicks[0]!.name).toBe("AI: Ute");
  });
});

describe("cycleKick", () => {
  const kicks = [kick("a", "AI: Anja"), kick("b", "AI: Bernd"), kick("c", "AI: Carla")];

  it("steps forward and backward with wrap-around", () => {
    expect(cycleKick(kicks, "a", 1)?.id).toBe("b");
    expect(cycleKick(kicks, "c", 1)?.id).toBe("a");
    expect(cycleKick(kicks, "a", -1)?.id).toBe("c");
    expect(cycleKick(kicks, "b", -1)?.id).toBe("a");
  });

  it("starts at an end from no selection and gives nothing for no kicks", () => {
    expect(cycleKick(kicks, null, 1)?.id).toBe("a");
    expect(cycleKick(kicks, null, -1)?.id).toBe("c");
    expect(cycleKick([], null, 1)).toBeNull();
  });
});

describe("successorOf", () => {
  it("hands the sampler to the next kick, wrapping, or to none when the last one goes", () => {
    const kicks = [kick("a", "AI: Anja"), kick("b", "AI: Bernd")];
    expect(successorOf(kicks, "a")?.id).toBe("b");
    expect(successorOf(kicks, "b")?.id).toBe("a");
    expect(successorOf([kick("a", "AI: Anja")], "a")).toBeNull();
  });
});

describe("kickIdOfKey", () => {
  it("reads the kick id out of an engine key and ignores stock kicks", () => {
    expect(kickIdOfKey("ai:42")).toBe("42");
    expect(kickIdOfKey("kick-909-punch")).toBeNull();
    expect(kickIdOfKey(null)).toBeNull();
  });
});

describe("quotaTimeLabel", () => {
  it("says EST in winter and EDT in summer", () => {
    expect(quotaTimeLabel("2026-11-26T05:00:00+00:00", "America/New_York")).toBe("12:00 AM EST");
    expect(quotaTimeLabel("2026-07-02T04:00:00Z", "America/New_York")).toBe("12:00 AM EDT");
  });

  it("follows the DST switch days rather than a fixed offset", () => {
    // The midnight after 8 March 2026 (clocks went forward that morning) is already EDT.
    expect(quotaTimeLabel("2026-03-09T04:00:00Z", "America/New_York")).toBe("12:00 AM EDT");
    // The midnight after 1 November 2026 (clocks went back) is EST.
    expect(quotaTimeLabel("2026-11-02T05:00:00Z", "America/New_York")).toBe("12:00 AM EST");
    // A fixed UTC−5 would call this 11:00 PM; in summer it is midnight.
    expect(quotaTimeLabel(new Date(Date.UTC(2026, 5, 15, 4)), "America/New_York")).toBe("12:00 AM EDT");
  });
});

describe("quotaNotice", () => {
  it("stays quiet while more than three generations are left", () => {
    expect(quotaNotice(quota({ remainingGensToday: 4 }))).toBeNull();
  });

  it("counts down from three with the reset time", () => {
    expect(quotaNotice(quota({ remainingGensToday: 3 }))).toEqual({ kind: "low", text: "3 kick generations left until 12:00 AM EST" });
    expect(quotaNotice(quota({ remainingGensToday: 1, resetsAt: "2026-07-02T04:00:00Z" }))?.text).toBe("1 kick generation left until 12:00 AM EDT");
  });

  it("counts in the server's time zone", () => {
    expect(quotaNotice(quota({ remainingGensToday: 2, quotaTimeZone: "Europe/Berlin" }))?.text).toBe("2 kick generations left until 6:00 AM GMT+1");
  });

  it("says the server's words when the daily limit is reached", () => {
    expect(quotaNotice(quota({ remainingGensToday: 0 }))).toEqual({
      kind: "exhausted",
      text: "Daily limit reached: all 10 kick generations used today. More at 12:00 AM EST.",
    });
  });
});

describe("quotaSummary", () => {
  it("sums up today's generations and the library's fill", () => {
    expect(quotaSummary(quota({ remainingGensToday: 7, totalGensCount: 12 }))).toBe("7 of 10 generations left today · 12/30 kicks in your library");
  });
});

describe("the total cap", () => {
  it("is reached at the cap and worded like the server", () => {
    expect(capReached(quota({ totalGensCount: 29 }))).toBe(false);
    expect(capReached(quota({ totalGensCount: 30 }))).toBe(true);
    expect(capMessage(quota({ totalGensCount: 30 }))).toBe("Delete kicks to generate more (30/30)");
  });
});

describe("progressView", () => {
  it("maps stages to labels, percentages and the first-kick note", () => {
    const loading = progressView({ stage: "LOADING_MODEL", step: 0, totalSteps: 1, fraction: 0.02 });
    expect(loading).toEqual({ stage: "LOADING_MODEL", label: "Loading the model", percent: 2, note: FIRST_KICK_NOTE, preview: null });
    const sampling = progressView({ stage: "SAMPLING", step: 25, totalSteps: 50, fraction: 0.475 }, loading);
    expect(sampling).toMatchObject({ stage: "SAMPLING", label: "Sampling 25/50", percent: 48, note: null });
    expect(progressView({ stage: "UPLOADING", step: 0, totalSteps: 0, fraction: 0.96 }, sampling).percent).toBe(96);
    expect(progressView({ stage: "DONE", step: 0, totalSteps: 0, fraction: 1 }).percent).toBe(100);
  });

  it("says what loading means on the worker's device, in the worker's words", () => {
    const gpu = progressView({ stage: "LOADING_MODEL", step: 0, totalSteps: 1, fraction: 0.02, message: "Warming up the GPU" });
    expect(gpu).toMatchObject({ label: "Warming up the GPU", note: FIRST_KICK_NOTE });
    expect(progressView({ stage: "LOADING_MODEL", step: 0, totalSteps: 1, fraction: 0.02, message: "Loading the model" }).label).toBe("Loading the model");
    // Other stages keep the app's own labels, whatever the worker says.
    expect(progressView({ stage: "SAMPLING", step: 3, totalSteps: 25, fraction: 0.2, message: "Denoising step 3/25" }).label).toBe("Sampling 3/25");
  });

  it("never moves the bar backwards and stays within 0–100", () => {
    const far = { ...QUEUED_PROGRESS, percent: 60 };
    expect(progressView({ stage: "SAMPLING", step: 1, totalSteps: 50, fraction: 0.11 }, far).percent).toBe(60);
    expect(progressView({ stage: "DONE", step: 0, totalSteps: 0, fraction: 1.4 }).percent).toBe(100);
  });
});

describe("previews", () => {
  // Two bands of three frames: the low band silent, the high band loud on the right.
  const picture = { mels: 2, frames: 3, pixels: btoa(String.fromCharCode(0, 0, 0, 10, 128, 255)) };

  it("keeps the latest picture until a newer one arrives", () => {
    const first = progressView({ stage: "SAMPLING", step: 4, totalSteps: 25, fraction: 0.2, preview: picture });
    const next = progressView({ stage: "SAMPLING", step: 5, totalSteps: 25, fraction: 0.25, preview: null }, first);
    expect(next.preview).toBe(picture);
  });

  it("draws the highest band on top, brighter where louder", () => {
    const rgba = previewPixels(picture);
    expect(rgba).toHaveLength(2 * 3 * 4);
    const red = (row: number, column: number) => rgba[(row * 3 + column) * 4];
    expect([red(0, 0), red(0, 1), red(0, 2)]).toEqual([10, 128, 255]); // top row: the high band
    expect([red(1, 0), red(1, 2)]).toEqual([0, 0]);
    expect(rgba[3]).toBe(255);
  });
});

describe("downloadFileName", () => {
  it("keeps letters, digits and spaces of the kick's name", () => {
    expect(downloadFileName({ name: "AI: Bärbel" })).toBe("AI Bärbel.wav");
    expect(downloadFileName({ name: "::" })).toBe("kick.wav");
  });
});

describe("generationOutcome", () => {
  const running = progressView({ stage: "UPLOADING", step: 0, totalSteps: 0, fraction: 0.96 });

  it("turns a success into the new kick, the updated quota and a finished bar", () => {
    const stored = kick("9", "AI: Bärbel");
    const outcome = generationOutcome({ __typename: "GenerateKickSuccess", kick: stored, remainingGensToday: 2, totalGensCount: 5 }, running);
    expect(outcome.kick).toBe(stored);
    expect(outcome.quota).toEqual({ remainingGensToday: 2, totalGensCount: 5 });
    expect(outcome.state).toMatchObject({ status: "loading", progress: { percent: 100 } });
  });

  it("refuses with the server's words at the cap and the daily limit", () => {
    const cap = generationOutcome({ __typename: "TotalCapReached", message: "Delete kicks to generate more (30/30)", totalCap: 30 }, running);
    expect(cap).toEqual({ state: { status: "refused", message: "Delete kicks to generate more (30/30)" }, quota: { totalGensCount: 30, totalCap: 30, totalCapMessage: "Delete kicks to generate more (30/30)" }, kick: null });
    const daily = generationOutcome({ __typename: "DailyLimitReached", message: "Daily limit reached: all 10 kick generations used today.", resetsAt: "2026-11-26T05:00:00+00:00" }, running);
    expect(daily.state.status).toBe("refused");
    expect(daily.quota).toEqual({ remainingGensToday: 0, resetsAt: "2026-11-26T05:00:00+00:00", dailyLimitMessage: "Daily limit reached: all 10 kick generations used today." });
  });

  it("offers a retry when the worker failed, was unavailable or the server was unreachable, and touches no quota", () => {
    expect(generationOutcome({ __typename: "GenerationFailed", message: "The generator failed.", retryable: true }, running)).toEqual({
      state: { status: "failed", message: "The generator failed.", retryable: true },
      quota: {},
      kick: null,
    });
    expect(generationOutcome({ __typename: "GenerationFailed", message: "Bad prompt.", retryable: false }, running).state).toMatchObject({ retryable: false });
    expect(generationOutcome({ __typename: "GenerationUnavailable", message: "Down." }, running).state).toMatchObject({ status: "failed", retryable: true });
    expect(generationOutcome(undefined, running)).toEqual({ state: { status: "failed", message: NETWORK_PROBLEM, retryable: true }, quota: {}, kick: null });
  });
});

describe("newRequestId", () => {
  it("makes distinct version 4 UUIDs", () => {
    const ids = new Set(Array.from({ length: 200 }, newRequestId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
