import { describe, expect, it } from "vitest";
import { defaultSettings } from "../audio/params";
import { TEST_PARAMS } from "../audio/params.fixture";
import { dawReducer, initialDawState } from "./daw";
import { cyclePreset, presetNameProblem, presetToSettings, settingsToInput, sortPresets, type Preset } from "../presets/presets";
import NAME_RULE from "../presets/presetNameRule.fixture.json";

function preset(overrides: Partial<Preset> = {}): Preset {
  return {
    id: "1",
    name: "Warehouse",
    isShared: false,
    bpm: 132,
    kickKey: "kick-909",
    aiKick: null,
    kickLength: 0.6,
    kickDistortion: 0.2,
    kickOtt: 0.3,
    noiseKey: "noise-vinyl",
    noiseLowPass: 5000,
    noiseHighPass: 200,
    noiseVolume: -30,
    reverbKey: "ir-hall",
    reverbLowPass: 4000,
    reverbHighPass: 120,
    reverbVolume: -12,
    masterOtt: 0.4,
    masterDistortion: 0.1,
    limiterPreGain: 2,
    ...overrides,
  };
}

describe("dawReducer", () => {
  it("starts from the server's defaults with no samples chosen", () => {
    const state = initialDawState(TEST_PARAMS);
    expect(state.settings).toEqual(defaultSettings(TEST_PARAMS));
    expect(state.settings.bpm).toBe(TEST_PARAMS.bpm.defaultValue);
    expect(state).toMatchObject({ mode: "daw", presetId: null, modified: false });
  });

  it("clamps knob values to the server's ranges and marks the settings modified", () => {
    const state = dawReducer(initialDawState(TEST_PARAMS), { type: "setParam", id: "limiterPreGain", value: 12 });
    expect(state.settings.limiterPreGain).toBe(8);
    expect(state.modified).toBe(true);
  });

  it("loads a preset's settings and keeps them across mode switches", () => {
    let state = dawReducer(initialDawState(TEST_PARAMS), { type: "loadPreset", preset: preset() });
    expect(state.settings).toEqual(presetToSettings(preset()));
    expect(state.presetId).toBe("1");
    expect(state.modified).toBe(false);
    state = dawReducer(state, { type: "setMode", mode: "kickGen" });
    state = dawReducer(state, { type: "setMode", mode: "daw" });
    expect(state.settings).toEqual(presetToSettings(preset()));
  });

  it("forgets a deleted preset as the source of the settings", () => {
    const state = dawReducer(dawReducer(initialDawState(TEST_PARAMS), { type: "loadPreset", preset: preset() }), { type: "presetDeleted", id: "1" });
    expect(state.presetId).toBeNull();
  });
});

describe("presets", () => {
  it("validates names with the server's rule, on the trimmed name as the server does", () => {
    const problem = (name: string) => presetNameProblem(name, NAME_RULE);
    expect(problem("Peak Time 2")).toBeNull();
    expect(problem(` ${"a".repeat(NAME_RULE.maxLength)} `)).toBeNull();
    for (const bad of ["", "   ", "a".repeat(NAME_RULE.maxLength + 1), "rumble!", "Über"]) {
      expect(problem(bad)).toBe(NAME_RULE.message);
    }
  });

  it("maps an AI kick to its library key and back to aiKickId", () => {
    const settings = presetToSettings(preset({ kickKey: null, aiKick: { id: "42", name: "Hit House 7" } }));
    expect(settings.kickKey).toBe("ai:42");
    const input = settingsToInput(" Dark ", settings);
    expect(input).toMatchObject({ name: "Dark", aiKickId: "42" });
    expect(input).not.toHaveProperty("kickKey");
  });

  it("sends a stock kick as kickKey", () => {
    const input = settingsToInput("Dark", { ...defaultSettings(TEST_PARAMS), kickKey: "kick-909", noiseKey: "n", reverbKey: "r" });
    expect(input).toMatchObject({ kickKey: "kick-909", noiseKey: "n", reverbKey: "r", bpm: 140 });
    expect(input).not.toHaveProperty("aiKickId");
  });

  it("orders your presets before the shared ones, each alphabetically", () => {
    const list = [
      preset({ id: "1", name: "berlin", isShared: true }),
      preset({ id: "2", name: "Zebra" }),
      preset({ id: "3", name: "Acid", isShared: true }),
      preset({ id: "4", name: "acid rain" }),
    ];
    expect(sortPresets(list).map((item) => item.id)).toEqual(["4", "2", "3", "1"]);
  });

  it("cycles with wrap-around", () => {
    const list = [preset({ id: "a" }), preset({ id: "b" }), preset({ id: "c" })];
    expect(cyclePreset(list, "c", 1)?.id).toBe("a");
    expect(cyclePreset(list, "a", -1)?.id).toBe("c");
    expect(cyclePreset(list, null, 1)?.id).toBe("a");
    expect(cyclePreset(list, null, -1)?.id).toBe("c");
    expect(cyclePreset([], null, 1)).toBeNull();
  });
});
