/** Pure signal helpers: no audio nodes, so Vitest checks them directly. */

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

export function gainToDb(gain: number): number {
  return 20 * Math.log10(Math.max(gain, 1e-12));
}

/**
 * A tanh transfer curve normalised to reach ±1 at ±1, so distortion adds harmonics without
 * changing the peak level. `drive` sets how hard the curve bends.
 */
export function tanhCurve(drive: number, size = 2048): Float32Array<ArrayBuffer> {
  const curve = new Float32Array(size);
  const norm = Math.tanh(drive);
  for (let i = 0; i < size; i++) {
    const x = (i / (size - 1)) * 2 - 1;
    curve[i] = Math.tanh(drive * x) / norm;
  }
  return curve;
}

/**
 * The identity between −ceiling and +ceiling, flat outside. A WaveShaperNode clamps its input to
 * [−1, 1] before the lookup, so with this two-point curve no sample can leave ±ceiling.
 */
export function hardClipCurve(ceiling = 1): Float32Array<ArrayBuffer> {
  return Float32Array.from([-ceiling, ceiling]);
}

/** Wet/dry gains of a distortion: `amount` is the wet share (0…0.5 in the UI). */
export function wetDry(amount: number): { wet: number; dry: number } {
  const wet = Math.min(1, Math.max(0, amount));
  return { wet, dry: 1 - wet };
}

export const TRUNCATION_FADE_SECONDS = 0.005;

/**
 * Where a kick of `duration` seconds stops when played at `length` (0.1…1 of the sample), and where
 * the fade-out before the cut begins; the fade avoids the click of a hard cut.
 */
export function truncation(duration: number, length: number): { cutAt: number; fadeFrom: number } {
  const cutAt = duration * Math.min(1, Math.max(0, length));
  const fade = Math.min(TRUNCATION_FADE_SECONDS, cutAt / 2);
  return { cutAt, fadeFrom: cutAt - fade };
}

/** The truncation gain at `t` seconds into the kick: 1 before the fade, a linear ramp, 0 after the cut. */
export function truncationGain(t: number, duration: number, length: number): number {
  const { cutAt, fadeFrom } = truncation(duration, length);
  if (t <= fadeFrom) return 1;
  if (t >= cutAt) return 0;
  return (cutAt - t) / (cutAt - fadeFrom);
}
