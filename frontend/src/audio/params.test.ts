import { readFileSync } from "node:fs";
import { buildSchema, GraphQLEnumType } from "graphql";
import { describe, expect, it } from "vitest";
import { SERVED_PARAMS, TEST_PARAMS as PARAMS } from "./params.fixture";
import { PARAM_IDS, PARAM_LOOKS, ParamMismatchError, constrain, defaultSettings, formatValue, fromNormalized, paramSpecs, positionToAngle, toNormalized, type ServedParam } from "./params";

/** The parameters the server serves, from the schema it exports (a Python test keeps it current). */
function servedParameterNames(): string[] {
  const schema = buildSchema(readFileSync(new URL("../../../schema.graphql", import.meta.url), "utf-8"));
  const parameter = schema.getType("PresetParameter");
  if (!(parameter instanceof GraphQLEnumType)) throw new Error("schema.graphql has no PresetParameter enum.");
  return parameter.getValues().map((value) => value.name);
}

describe("client and server parameters", () => {
  it("give every served parameter a look and serve every parameter the client has", () => {
    expect([...PARAM_IDS].sort()).toEqual(servedParameterNames().sort());
    expect(SERVED_PARAMS.map((item) => item.parameter)).toEqual(servedParameterNames());
  });

  it("build each spec from the served range, default and step with the client's look", () => {
    for (const item of SERVED_PARAMS) {
      expect(PARAMS[item.parameter]).toEqual({ ...PARAM_LOOKS[item.parameter], min: item.min, max: item.max, defaultValue: item.defaultValue, step: item.step ?? 0 });
    }
    expect(PARAMS.bpm.step).toBe(1);
  });

  it("refuse a server with a parameter this page does not know, or without one it needs", () => {
    const extra = [...SERVED_PARAMS, { ...SERVED_PARAMS[0]!, parameter: "kickPitch" } as unknown as ServedParam];
    expect(() => paramSpecs(extra)).toThrow(ParamMismatchError);
    expect(() => paramSpecs(extra)).toThrow("unknown kickPitch");
    const short = SERVED_PARAMS.filter((item) => item.parameter !== "reverbVolume");
    expect(() => paramSpecs(short)).toThrow("missing reverbVolume");
  });
});

describe("knob mapping", () => {
  it("maps the range onto −135°…+135°", () => {
    expect(positionToAngle(0)).toBe(-135);
    expect(positionToAngle(0.5)).toBe(0);
    expect(positionToAngle(1)).toBe(135);
    expect(positionToAngle(7)).toBe(135);
  });

  it("round-trips linear and log parameters", () => {
    for (const spec of Object.values(PARAMS)) {
      for (const position of [0, 0.25, 0.5, 1]) {
        const value = fromNormalized(spec, position);
        if (spec.step === 0) expect(toNormalized(spec, value)).toBeCloseTo(position, 9);
      }
    }
  });

  it("gives every octave the same travel on frequency knobs", () => {
    const spec = PARAMS.noiseLowPass;
    expect(toNormalized(spec, 240) - toNormalized(spec, 120)).toBeCloseTo(toNormalized(spec, 2000) - toNormalized(spec, 1000), 9);
    expect(fromNormalized(spec, 0.5)).toBeCloseTo(Math.sqrt(30 * 7000), 6);
  });

  it("clamps and snaps values into the server's ranges", () => {
    expect(constrain(PARAMS.bpm, 120.4)).toBe(120);
    expect(constrain(PARAMS.bpm, 1000)).toBe(365);
    expect(constrain(PARAMS.limiterPreGain, 0)).toBe(1);
    expect(constrain(PARAMS.kickLength, 0.05)).toBe(0.1);
  });
});

describe("value display", () => {
  it("shows units", () => {
    expect(formatValue(PARAMS.kickLength, 0.5)).toBe("50%");
    expect(formatValue(PARAMS.noiseLowPass, 440.4)).toBe("440 Hz");
    expect(formatValue(PARAMS.noiseLowPass, 2500)).toBe("2.50 kHz");
    expect(formatValue(PARAMS.noiseVolume, -12.04)).toBe("−12.0 dB");
    expect(formatValue(PARAMS.limiterPreGain, 8)).toBe("8.00×");
    expect(formatValue(PARAMS.bpm, 140)).toBe("140 BPM");
  });
});

describe("defaults", () => {
  it("are inside every range", () => {
    const settings = defaultSettings(PARAMS);
    for (const id of PARAM_IDS) {
      expect(settings[id]).toBe(PARAMS[id].defaultValue);
      expect(settings[id]).toBeGreaterThanOrEqual(PARAMS[id].min);
      expect(settings[id]).toBeLessThanOrEqual(PARAMS[id].max);
    }
    expect(settings).toMatchObject({ kickKey: null, noiseKey: null, reverbKey: null });
  });
});
