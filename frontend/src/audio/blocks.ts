/** Reusable node groups of the signal flow. Each exposes an input, an output and its controls. */
import { hardClipCurve, tanhCurve, wetDry } from "./dsp";

// Web Audio reads lowpass/highpass Q in dB: −3.01 dB is the Butterworth Q of 1/√2.
const BUTTERWORTH_Q_DB = 20 * Math.log10(Math.SQRT1_2);

export interface Block {
  readonly input: AudioNode;
  readonly output: AudioNode;
}

/** Sets a parameter now, gliding briefly in live use so knob moves do not click. */
export type ParamSetter = (param: AudioParam, value: number) => void;

export function makeParamSetter(context: BaseAudioContext, smooth: boolean): ParamSetter {
  if (!smooth) return (param, value) => param.setValueAtTime(value, context.currentTime);
  return (param, value) => {
    param.cancelScheduledValues(context.currentTime);
    param.setTargetAtTime(value, context.currentTime, 0.015);
  };
}

/** tanh waveshaper mixed with the dry signal; `setAmount` is the wet share. */
export class Distortion implements Block {
  readonly input: GainNode;
  readonly output: GainNode;
  private readonly dry: GainNode;
  private readonly wet: GainNode;

  constructor(context: BaseAudioContext, drive: number, private readonly set: ParamSetter) {
    this.input = context.createGain();
    this.output = context.createGain();
    this.dry = context.createGain();
    this.wet = context.createGain();
    const shaper = context.createWaveShaper();
    shaper.curve = tanhCurve(drive);
    shaper.oversample = "4x";
    this.input.connect(this.dry).connect(this.output);
    this.input.connect(shaper).connect(this.wet).connect(this.output);
    this.setAmount(0);
  }

  setAmount(amount: number): void {
    const { wet, dry } = wetDry(amount);
    this.set(this.wet.gain, wet);
    this.set(this.dry.gain, dry);
  }
}

function filter(context: BaseAudioContext, type: BiquadFilterType, frequency: number, q: number): BiquadFilterNode {
  return new BiquadFilterNode(context, { type, frequency, Q: q });
}

function chain(first: AudioNode, ...rest: AudioNode[]): AudioNode {
  return rest.reduce<AudioNode>((previous, node) => previous.connect(node), first);
}

export const OTT_LOW_CROSSOVER_HZ = 100;
export const OTT_HIGH_CROSSOVER_HZ = 2500;

/**
 * 3-band OTT: Linkwitz–Riley (4th-order) crossovers at ~100 Hz and ~2.5 kHz split the signal, the
 * low band gets the 2.5 kHz allpass so the bands sum flat, and the `kwr-ott` worklet compresses each
 * band up and down. `setAmount(0)` leaves the bands' gains at exactly 1.
 */
export class Ott implements Block {
  readonly input: GainNode;
  readonly output: AudioWorkletNode;
  private readonly amount: AudioParam;


  constructor(context: BaseAudioContext, private readonly set: ParamSetter) {
    this.input = context.createGain();
    this.output = new AudioWorkletNode(context, "kwr-ott", {
      numberOfInputs: 3,
      numberOfOutputs: 1,
      outputChannelCount: [2],
    });
    const amount = this.output.parameters.get("amount");
    if (!amount) throw new Error("The OTT worklet has no amount parameter.");
    this.amount = amount;

    const lr4 = (type: BiquadFilterType, frequency: number) => [
      filter(context, type, frequency, BUTTERWORTH_Q_DB),
      filter(context, type, frequency, BUTTERWORTH_Q_DB),
    ];
    const low = chain(this.input, ...lr4("lowpass", OTT_LOW_CROSSOVER_HZ), filter(context, "allpass", OTT_HIGH_CROSSOVER_HZ, Math.SQRT1_2));
    const aboveLow = chain(this.input, ...lr4("highpass", OTT_LOW_CROSSOVER_HZ));
    const mid = chain(aboveLow, ...lr4("lowpass", OTT_HIGH_CROSSOVER_HZ));
    const high = chain(aboveLow, ...lr4("highpass", OTT_HIGH_CROSSOVER_HZ));
    low.connect(this.output, 0, 0);
    mid.connect(this.output, 0, 1);
    high.connect(this.output, 0, 2);
  }

  setAmount(amount: number): void {
    this.set(this.amount, amount);
  }

  /** Lets the worklet's processor end; the node is unusable afterwards. */
  dispose(): void {
    this.output.port.postMessage("dispose");
    this.output.disconnect();
  }
}

export const LIMITER_CEILING = 1;

/**
 * Pre-gain (1…8) into a fast compressor that catches peaks smoothly, then a hard clip at 0 dBFS:
 * the compressor alone overshoots on transients, the clip guarantees the ceiling.
 */
export class Limiter implements Block {
  readonly input: GainNode;
  readonly output: WaveShaperNode;

  constructor(context: BaseAudioContext, private readonly set: ParamSetter) {
    this.input = context.createGain();
    const compressor = new DynamicsCompressorNode(context, {
      threshold: -1,
      knee: 0,
      ratio: 20,
      attack: 0,
      release: 0.05,
    });
    this.output = new WaveShaperNode(context, { curve: hardClipCurve(LIMITER_CEILING), oversample: "none" });
    this.input.connect(compressor).connect(this.output);
  }

  setPreGain(gain: number): void {
    this.set(this.input.gain, gain);
  }
}

/** Low-pass then high-pass, the two filters of the noise and reverb layers. */
export class BandFilter implements Block {
  readonly input: BiquadFilterNode;
  readonly output: BiquadFilterNode;

  constructor(context: BaseAudioContext, private readonly set: ParamSetter) {
    this.input = filter(context, "lowpass", 7000, BUTTERWORTH_Q_DB);
    this.output = filter(context, "highpass", 30, BUTTERWORTH_Q_DB);
    this.input.connect(this.output);
  }

  setLowPass(frequency: number): void {
    this.set(this.input.frequency, frequency);
  }

  setHighPass(frequency: number): void {
    this.set(this.output.frequency, frequency);
  }
}
