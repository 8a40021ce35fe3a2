import { describe, expect, it } from "vitest";
import { dbToGain, gainToDb, hardClipCurve, tanhCurve, truncation, truncationGain, wetDry } from "./dsp";
import { OTT_CURVE, ottGainDb, smoothingCoefficient } from "./ottCurve";

describe("decibels", () => {
  it("converts dB to gain and back", () => {
    expect(dbToGain(0)).toBe(1);
    expect(dbToGain(-6)).toBeCloseTo(0.501, 3);
    expect(dbToGain(-60)).toBeCloseTo(0.001, 6);
    for (const db of [-70, -12.5, 0, 6]) expect(gainToDb(dbToGain(db))).toBeCloseTo(db, 9);
  });

  it("treats silence as a very low level instead of −Infinity", () => {
    expect(gainToDb(0)).toBe(-240);
  });
});

describe("waveshaper curves", () => {
  it("tanh curve is odd, monotonic and reaches ±1", () => {
    const curve = tanhCurve(6, 1025);
    expect(curve[0]).toBeCloseTo(-1, 6);
    expect(curve[1024]).toBeCloseTo(1, 6);
    expect(curve[512]).toBeCloseTo(0, 6);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeGreaterThan(curve[i - 1]!);
    expect(curve[100]!).toBeCloseTo(-curve[924]!, 6);
  });

  it("hard clip curve is the identity between the ceilings", () => {
    expect(Array.from(hardClipCurve())).toEqual([-1, 1]);
  });

  it("wet/dry always sums to one", () => {
    expect(wetDry(0)).toEqual({ wet: 0, dry: 1 });
    expect(wetDry(0.5)).toEqual({ wet: 0.5, dry: 0.5 });
    expect(wetDry(2)).toEqual({ wet: 1, dry: 0 });
  });
});

describe("kick truncation", () => {
  it("cuts at the length share of the sample with a 5 ms fade before the cut", () => {
    expect(truncation(1, 0.5)).toEqual({ cutAt: 0.5, fadeFrom: 0.495 });
    expect(truncation(2, 1)).toEqual({ cutAt: 2, fadeFrom: 1.995 });
  });

  it("keeps the fade inside very short cuts", () => {
    const { cutAt, fadeFrom } = truncation(0.004, 1);
    expect(fadeFrom).toBeCloseTo(0.002, 9);
    expect(cutAt).toBe(0.004);
  });

  it("ramps the gain linearly to zero at the cut", () => {
    expect(truncationGain(0.1, 1, 0.5)).toBe(1);
    expect(truncationGain(0.4975, 1, 0.5)).toBeCloseTo(0.5, 6);
    expect(truncationGain(0.5, 1, 0.5)).toBe(0);
    expect(truncationGain(0.9, 1, 0.5)).toBe(0);
  });
});

describe("OTT curve", () => {
  it("is an exact bypass at amount 0", () => {
    for (const level of [-90, -50, -30, -3, 0]) expect(Math.abs(ottGainDb(level, 0))).toBe(0);
  });

  it("compresses downward above the upper threshold", () => {
    // 16 dB over the threshold at ratio 8 comes out 2 dB over it: 14 dB of reduction.
    expect(ottGainDb(OTT_CURVE.upperDb + 16, 1)).toBeCloseTo(-14, 9);
  });

  it("compresses upward below the lower threshold, capped, and leaves silence alone", () => {
    // 8 dB under the threshold at ratio 4 comes out 2 dB under it: 6 dB of lift.
    expect(ottGainDb(OTT_CURVE.lowerDb - 8, 1)).toBeCloseTo(6, 9);
    expect(ottGainDb(-79, 1)).toBe(OTT_CURVE.maxBoostDb);
    expect(ottGainDb(-120, 1)).toBe(0);
  });

  it("passes the band between the thresholds unchanged and scales with amount", () => {
    expect(ottGainDb(-30, 1)).toBe(0);
    expect(ottGainDb(OTT_CURVE.upperDb + 16, 0.5)).toBeCloseTo(-7, 9);
  });

  it("smooths with a one-pole coefficient that falls to 1/e after the time constant", () => {
    const coefficient = smoothingCoefficient(0.01, 1000);
    expect(Math.pow(coefficient, 10)).toBeCloseTo(Math.exp(-1), 9);
  });
});
