/**
 * The Kick With Reverb engine: builds the signal flow on any BaseAudioContext (live or offline),
 * applies DawSettings and runs the transport. Components never touch audio nodes; they call this.
 *
 *   kick:   sample → truncation → distortion → OTT ─┬──────────────→ master
 *   noise:  loop → low-pass → high-pass → volume ───┤  └→ reverb send
 *   reverb: send → convolver → low-pass → high-pass → volume → master
 *   master: OTT → distortion → limiter pre-gain → limiter (0 dBFS) → destination
 */
import ottWorkletUrl from "./ott.worklet.ts?worker&url";
import { BandFilter, Distortion, Limiter, Ott, makeParamSetter, type ParamSetter } from "./blocks";
import { dbToGain, truncation } from "./dsp";
import type { SampleLibrary } from "./library";
import type { DawSettings } from "./params";
import { BeatClock, isNoiseRestart, type Beat } from "./scheduler";

/** How far ahead the live transport places events, and how often it tops the queue up. */
export const LOOKAHEAD_SECONDS = 0.12;
export const SCHEDULER_INTERVAL_MS = 25;

const KICK_DRIVE = 6;
const MASTER_DRIVE = 3;

const workletsLoaded = new WeakMap<BaseAudioContext, Promise<void>>();

function loadWorklets(context: BaseAudioContext): Promise<void> {
  let loading = workletsLoaded.get(context);
  if (!loading) {
    loading = context.audioWorklet.addModule(ottWorkletUrl);
    workletsLoaded.set(context, loading);
  }
  return loading;
}

interface Voice {
  source: AudioBufferSourceNode;
  startTime: number;
}

export interface EngineOptions {
  /** Live contexts glide parameter changes and run a timer that keeps events scheduled ahead. */
  live: boolean;
}

export class AudioEngine {
  private settings: DawSettings;
  private readonly set: ParamSetter;
  private readonly kickIn: GainNode;
  private readonly kickDistortion: Distortion;
  private readonly kickOtt: Ott;
  private readonly noiseFilter: BandFilter;
  private readonly noiseVolume: GainNode;
  private readonly reverbSend: GainNode;
  private convolver: ConvolverNode;
  private readonly reverbFilter: BandFilter;
  private readonly reverbVolume: GainNode;
  private readonly masterOtt: Ott;
  private readonly masterDistortion: Distortion;
  private readonly limiter: Limiter;
  private readonly meter: AnalyserNode;
  private readonly meterFrames: Float32Array<ArrayBuffer>;

  private clock: BeatClock | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private kickVoices: Voice[] = [];
  private noiseVoice: Voice | null = null;
  private noiseChangePending = false;
  private recentBeats: Beat[] = [];

  static async create(
    context: BaseAudioContext,
    library: SampleLibrary,
    settings: DawSettings,
    options: EngineOptions,
  ): Promise<AudioEngine> {
    await loadWorklets(context);
    return new AudioEngine(context, library, settings, options);
  }

  private constructor(
    readonly context: BaseAudioContext,
    private readonly library: SampleLibrary,
    settings: DawSettings,
    private readonly options: EngineOptions,
  ) {
    this.set = makeParamSetter(context, options.live);
    const set = this.set;

    this.masterOtt = new Ott(context, set);
    this.masterDistortion = new Distortion(context, MASTER_DRIVE, set);
    this.limiter = new Limiter(context, set);
    this.masterOtt.output.connect(this.masterDistortion.input);
    this.masterDistortion.output.connect(this.limiter.input);
    this.limiter.output.connect(context.destination);
    this.meter = new AnalyserNode(context, { fftSize: 2048 });
    this.meterFrames = new Float32Array(this.meter.fftSize);
    this.limiter.output.connect(this.meter);
    const master = this.masterOtt.input;

    this.reverbSend = context.createGain();
    this.convolver = context.createConvolver();
    this.reverbFilter = new BandFilter(context, set);
    this.reverbVolume = context.createGain();
    this.reverbSend.connect(this.convolver).connect(this.reverbFilter.input);
    this.reverbFilter.output.connect(this.reverbVolume).connect(master);

    this.kickIn = context.createGain();
    this.kickDistortion = new Distortion(context, KICK_DRIVE, set);
    this.kickOtt = new Ott(context, set);
    this.kickIn.connect(this.kickDistortion.input);
    this.kickDistortion.output.connect(this.kickOtt.input);
    this.kickOtt.output.connect(master);
    this.kickOtt.output.connect(this.reverbSend);

    this.noiseFilter = new BandFilter(context, set);
    this.noiseVolume = context.createGain();
    this.noiseFilter.output.connect(this.noiseVolume);
    this.noiseVolume.connect(master);
    this.noiseVolume.connect(this.reverbSend);

    this.settings = settings;
    this.applyImpulseResponse(settings.reverbKey);
    this.applyParams(settings);
  }

  get isPlaying(): boolean {
    return this.clock !== null;
  }

  getSettings(): DawSettings {
    return this.settings;
  }

  /** Applies what changed; a new noise takes over on the next beat, a new kick on the next hit. */
  update(next: DawSettings): void {
    const previous = this.settings;
    this.settings = next;
    if (next.noiseKey !== previous.noiseKey && this.isPlaying) this.noiseChangePending = true;
    if (next.reverbKey !== previous.reverbKey) this.applyImpulseResponse(next.reverbKey);
    if (next.bpm !== previous.bpm) this.clock?.setBpm(next.bpm);
    this.applyParams(next);
  }

  /** Call after a sample joins the library, so a selection waiting for it takes effect. */
  samplesChanged(): void {
    if (this.convolver.buffer !== (this.library.get(this.settings.reverbKey) ?? null)) {
      this.applyImpulseResponse(this.settings.reverbKey);
    }
  }

  /** Starts the loop with its first beat at `startTime` (now, by default). */
  play(startTime = this.context.currentTime + 0.02): void {
    if (this.clock) return;
    this.clock = new BeatClock(startTime, this.settings.bpm);
    this.recentBeats = [];
    this.scheduleUntil(startTime + LOOKAHEAD_SECONDS);
    if (this.options.live) {
      this.timer = setInterval(() => this.scheduleUntil(this.context.currentTime + LOOKAHEAD_SECONDS), SCHEDULER_INTERVAL_MS);
    }
  }

  /** One kick now through the whole chain (a new AI kick heard as it lands); a playing loop plays it on its next beat anyway. */
  audition(): void {
    if (this.isPlaying) return;
    const context = this.context;
    if (context instanceof AudioContext && context.state !== "running") void context.resume();
    this.triggerKick(context.currentTime + 0.02);
  }

  /** Stops the loop now: queued kicks are cancelled, the noise stops, a ringing kick rings out. */
  stop(): void {
    if (!this.clock) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.clock = null;
    const now = this.context.currentTime;
    for (const voice of this.kickVoices) if (voice.startTime > now) voice.source.stop();
    this.kickVoices = [];
    this.stopNoise(now);
    this.noiseChangePending = false;
    this.recentBeats = [];
  }

  /** Places every beat before `horizon` on the audio clock (the live timer calls it; offline renders call it once). */
  scheduleUntil(horizon: number): void {
    if (!this.clock) return;
    const now = this.context.currentTime;
    this.kickVoices = this.kickVoices.filter((voice) => voice.startTime > now - 2);
    for (const beat of this.clock.advance(horizon)) {
      this.triggerKick(beat.time);
      if (isNoiseRestart(beat.index) || this.noiseChangePending || !this.noiseVoice) {
        this.startNoise(beat.time);
        this.noiseChangePending = false;
      }
      this.recentBeats.push(beat);
      if (this.recentBeats.length > 8) this.recentBeats.shift();
    }
  }

  /** The index of the beat sounding now (0 = the first of the loop), for the UI's beat light. */
  currentBeat(): number | null {
    const now = this.context.currentTime;
    const sounded = this.recentBeats.filter((beat) => beat.time <= now);
    return sounded.at(-1)?.index ?? null;
  }

  /** The peak of the master output over the last ~46 ms, 0…1 (for the output meter). */
  outputPeak(): number {
    this.meter.getFloatTimeDomainData(this.meterFrames);
    let peak = 0;
    for (const sample of this.meterFrames) peak = Math.max(peak, Math.abs(sample));
    return peak;
  }

  /** One kick at `time`, cut to the length setting with a short fade at the cut. */
  triggerKick(time: number): void {
    const buffer = this.library.get(this.settings.kickKey);
    if (!buffer) return;
    const source = new AudioBufferSourceNode(this.context, { buffer });
    const envelope = this.context.createGain();
    const { cutAt, fadeFrom } = truncation(buffer.duration, this.settings.kickLength);
    envelope.gain.setValueAtTime(1, time);
    envelope.gain.setValueAtTime(1, time + fadeFrom);
    envelope.gain.linearRampToValueAtTime(0, time + cutAt);
    source.connect(envelope).connect(this.kickIn);
    source.start(time);
    source.stop(time + cutAt);
    source.onended = () => envelope.disconnect();
    this.kickVoices.push({ source, startTime: time });
  }

  dispose(): void {
    this.stop();
    this.kickOtt.dispose();
    this.masterOtt.dispose();
    this.limiter.output.disconnect();
  }

  private startNoise(time: number): void {
    this.stopNoise(time);
    const buffer = this.library.get(this.settings.noiseKey);
    if (!buffer) return;
    const source = new AudioBufferSourceNode(this.context, { buffer, loop: true });
    source.connect(this.noiseFilter.input);
    source.start(time);
    this.noiseVoice = { source, startTime: time };
  }

  private stopNoise(time: number): void {
    if (!this.noiseVoice) return;
    const { source } = this.noiseVoice;
    source.stop(Math.max(time, this.noiseVoice.startTime));
    source.onended = () => source.disconnect();
    this.noiseVoice = null;
  }

  /** A fresh ConvolverNode per impulse response: re-assigning `buffer` is not allowed everywhere. */
  private applyImpulseResponse(key: string | null): void {
    const next = this.context.createConvolver();
    next.buffer = this.library.get(key) ?? null;
    this.reverbSend.disconnect(this.convolver);
    this.convolver.disconnect();
    this.reverbSend.connect(next).connect(this.reverbFilter.input);
    this.convolver = next;
  }

  private applyParams(settings: DawSettings): void {
    this.kickDistortion.setAmount(settings.kickDistortion);
    this.kickOtt.setAmount(settings.kickOtt);
    this.noiseFilter.setLowPass(settings.noiseLowPass);
    this.noiseFilter.setHighPass(settings.noiseHighPass);
    this.set(this.noiseVolume.gain, dbToGain(settings.noiseVolume));
    this.reverbFilter.setLowPass(settings.reverbLowPass);
    this.reverbFilter.setHighPass(settings.reverbHighPass);
    this.set(this.reverbVolume.gain, dbToGain(settings.reverbVolume));
    this.masterOtt.setAmount(settings.masterOtt);
    this.masterDistortion.setAmount(settings.masterDistortion);
    this.limiter.setPreGain(settings.limiterPreGain);
  }
}
