/**
 * The transport's clock math, free of timers and nodes: which beats fall before a horizon, and
 * when the noise loop restarts. The engine asks it ahead of time and places every event on the
 * AudioContext clock, so timing is sample-accurate whatever the timer jitter.
 */

export const NOISE_RESTART_BEATS = 16;

export interface Beat {
  index: number;
  time: number;
}

export function secondsPerBeat(bpm: number): number {
  return 60 / bpm;
}

export class BeatClock {
  // Beat times are computed from an anchor, not accumulated, so a long loop does not drift.
  private anchorTime: number;
  private anchorIndex = 0;
  private nextIndex = 0;
  private bpm: number;

  constructor(startTime: number, bpm: number) {
    this.anchorTime = startTime;
    this.bpm = bpm;
  }

  private timeOf(index: number): number {
    return this.anchorTime + (index - this.anchorIndex) * secondsPerBeat(this.bpm);
  }

  /** A tempo change applies from the next unscheduled beat on; scheduled beats keep their times. */
  setBpm(bpm: number): void {
    if (bpm === this.bpm) return;
    if (this.nextIndex > 0) {
      this.anchorTime = this.timeOf(this.nextIndex - 1);
      this.anchorIndex = this.nextIndex - 1;
    }
    this.bpm = bpm;
  }

  /** Every beat starting before `horizon`, each returned once. */
  advance(horizon: number): Beat[] {
    const beats: Beat[] = [];
    while (this.timeOf(this.nextIndex) < horizon) {
      beats.push({ index: this.nextIndex, time: this.timeOf(this.nextIndex) });
      this.nextIndex += 1;
    }
    return beats;
  }

  /** The time of the next beat not yet handed out. */
  peekNextTime(): number {
    return this.timeOf(this.nextIndex);
  }
}

export function isNoiseRestart(beatIndex: number): boolean {
  return beatIndex % NOISE_RESTART_BEATS === 0;
}
