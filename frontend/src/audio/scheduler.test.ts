import { describe, expect, it } from "vitest";
import { BeatClock, isNoiseRestart, secondsPerBeat } from "./scheduler";

describe("BeatClock", () => {
  it("places beats 0.5 s apart at 120 BPM and hands each out once", () => {
    const clock = new BeatClock(1, 120);
    expect(clock.advance(2.2).map((beat) => beat.time)).toEqual([1, 1.5, 2]);
    expect(clock.advance(2.2)).toEqual([]);
    expect(clock.advance(2.6)).toEqual([{ index: 3, time: 2.5 }]);
  });

  it("does not drift over a long loop", () => {
    const clock = new BeatClock(0, 137);
    const beats = clock.advance(3600);
    const last = beats.at(-1)!;
    expect(last.time).toBe(last.index * secondsPerBeat(137));
  });

  it("applies a tempo change from the next unscheduled beat", () => {
    const clock = new BeatClock(0, 60);
    clock.advance(1.5); // beats at 0 and 1
    clock.setBpm(120);
    expect(clock.advance(3).map((beat) => beat.time)).toEqual([1.5, 2, 2.5]);
  });

  it("uses a new tempo from the start when nothing was scheduled yet", () => {
    const clock = new BeatClock(0, 60);
    clock.setBpm(240);
    expect(clock.advance(1).map((beat) => beat.time)).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it("restarts the noise every 16 beats", () => {
    expect([0, 1, 15, 16, 32].map(isNoiseRestart)).toEqual([true, false, false, true, true]);
  });
});
