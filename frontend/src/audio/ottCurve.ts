/**
 * The static gain curve of one OTT band, in dB: above `upperDb` the band is pushed down by
 * `downRatio` (downward compression), below `lowerDb` it is lifted towards it by `upRatio`
 * (upward compression, up to `maxBoostDb`, and never for silence below `floorDb`), and in between
 * it passes unchanged. `amount` (0…1) scales the whole curve, so 0 is an exact bypass.
 */
export interface OttBandCurve {
  upperDb: number;
  lowerDb: number;
  downRatio: number;
  upRatio: number;
  maxBoostDb: number;
  floorDb: number;
}

export const OTT_CURVE: OttBandCurve = {
  upperDb: -20,
  lowerDb: -34,
  downRatio: 8,
  upRatio: 4,
  maxBoostDb: 24,
  floorDb: -80,
};

export function ottGainDb(levelDb: number, amount: number, curve: OttBandCurve = OTT_CURVE): number {
  let gainDb = 0;
  if (levelDb > curve.upperDb) {
    gainDb = -(levelDb - curve.upperDb) * (1 - 1 / curve.downRatio);
  } else if (levelDb < curve.lowerDb && levelDb > curve.floorDb) {
    gainDb = Math.min(curve.maxBoostDb, (curve.lowerDb - levelDb) * (1 - 1 / curve.upRatio));
  }
  return amount * gainDb;
}

/** One-pole smoothing coefficient for an envelope follower with the given time constant. */
export function smoothingCoefficient(seconds: number, sampleRate: number): number {
  return Math.exp(-1 / (Math.max(seconds, 1e-6) * sampleRate));
}
