import { describe, expect, it } from "vitest";
import { PARAMS, constrain, defaultSettings, formatValue, fromNormalized, positionToAngle, toNormalized } from "./params";

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
    const settings = defaultSettings();
    for (const [id, spec] of Object.entries(PARAMS)) {
      const value = settings[id as keyof typeof PARAMS];
      expect(value).toBeGreaterThanOrEqual(spec.min);
      expect(value).toBeLessThanOrEqual(spec.max);
    }
  });
});
