/**
 * The OTT band processor: three band inputs (low, mid, high) each follow their own peak envelope
 * and get the upward + downward gain of `ottGainDb`; the output is their sum. Runs on the audio
 * thread (AudioWorkletGlobalScope), in live and offline contexts alike.
 */
import { dbToGain, gainToDb } from "./dsp";
import { ottGainDb, smoothingCoefficient } from "./ottCurve";

declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor();
}
declare function registerProcessor(name: string, processor: typeof AudioWorkletProcessor): void;

const ATTACK_SECONDS = 0.002;
const RELEASE_SECONDS = 0.08;
/** The gain curve (a log and a power) is evaluated once per block of this many frames and ramped in between. */
const GAIN_BLOCK = 16;

class OttProcessor extends AudioWorkletProcessor {
  static get parameterDescriptors() {
    return [{ name: "amount", defaultValue: 0, minValue: 0, maxValue: 1, automationRate: "k-rate" }];
  }

  private readonly envelopes = [0, 0, 0];
  private readonly gains = [1, 1, 1];
  private readonly attack = smoothingCoefficient(ATTACK_SECONDS, sampleRate);
  private readonly release = smoothingCoefficient(RELEASE_SECONDS, sampleRate);
  // Kept alive (process returns true) until the engine is disposed and says so.
  private alive = true;

  constructor() {
    super();
    this.port.onmessage = () => {
      this.alive = false;
    };
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean {
    const amount = parameters.amount?.[0] ?? 0;
    const output = outputs[0] ?? [];
    for (const channel of output) channel.fill(0);
    for (let band = 0; band < 3; band++) {
      const input = inputs[band];
      if (!input || input.length === 0) continue;
      let envelope = this.envelopes[band] ?? 0;
      let gain = this.gains[band] ?? 1;
      let target = gain;
      let gainStep = 0;
      const frames = input[0]?.length ?? 0;
      for (let i = 0; i < frames; i++) {
        let peak = 0;
        for (const channel of input) peak = Math.max(peak, Math.abs(channel[i] ?? 0));
        const coefficient = peak > envelope ? this.attack : this.release;
        envelope = coefficient * envelope + (1 - coefficient) * peak;
        if (i % GAIN_BLOCK === 0) {
          target = amount === 0 ? 1 : dbToGain(ottGainDb(gainToDb(envelope), amount));
          gainStep = (target - gain) / GAIN_BLOCK;
        }
        gain = i % GAIN_BLOCK === GAIN_BLOCK - 1 ? target : gain + gainStep;
        for (let c = 0; c < output.length; c++) {
          const source = input[Math.min(c, input.length - 1)];
          const destination = output[c];
          if (source && destination) destination[i] = (destination[i] ?? 0) + (source[i] ?? 0) * gain;
        }
      }
      this.envelopes[band] = envelope;
      this.gains[band] = gain;
    }
    return this.alive;
  }
}

registerProcessor("kwr-ott", OttProcessor);
