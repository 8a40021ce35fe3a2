/** Transport: cue (plays while held), play/stop, tempo and a four-light beat display. */
import { useEffect, useState } from "react";
import type { AudioEngine } from "../audio/engine";
import { gainToDb } from "../audio/dsp";
import type { ParamSpec } from "../audio/params";
import { Knob } from "./Knob";

export interface ControlStripProps {
  engine: AudioEngine | null;
  playing: boolean;
  cueing: boolean;
  bpm: number;
  bpmSpec: ParamSpec;
  onBpm: (bpm: number) => void;
  onTogglePlay: () => void;
  onCueStart: () => void;
  onCueEnd: () => void;
}

const METER_FLOOR_DB = -48;

interface Activity {
  beat: number | null;
  /** Master output peak in dBFS, METER_FLOOR_DB when silent. */
  peakDb: number;
}

const SILENT: Activity = { beat: null, peakDb: METER_FLOOR_DB };

/** Polls the engine once per frame while it plays (and while a kick rings out after stop). */
function useActivity(engine: AudioEngine | null, running: boolean): Activity {
  const [activity, setActivity] = useState<Activity>(SILENT);
  useEffect(() => {
    if (!engine) return;
    let frame = requestAnimationFrame(function tick() {
      const peakDb = Math.max(METER_FLOOR_DB, gainToDb(engine.outputPeak()));
      const beat = running ? engine.currentBeat() : null;
      setActivity((previous) => (previous.beat === beat && Math.abs(previous.peakDb - peakDb) < 0.5 ? previous : { beat, peakDb }));
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [engine, running]);
  return activity;
}

export function ControlStrip({ engine, playing, cueing, bpm, bpmSpec, onBpm, onTogglePlay, onCueStart, onCueEnd }: ControlStripProps) {
  const { beat, peakDb } = useActivity(engine, playing || cueing);
  const meterFill = (peakDb - METER_FLOOR_DB) / -METER_FLOOR_DB;
  return (
    <section className="bar control-strip" aria-label="Transport">
      <button
        type="button"
        className={`transport-button cue-button${cueing ? " is-active" : ""}`}
        disabled={!engine}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          onCueStart();
        }}
        onPointerUp={onCueEnd}
        onPointerCancel={onCueEnd}
        onKeyDown={(event) => (event.key === "Enter" || event.key === " ") && !event.repeat && onCueStart()}
        onKeyUp={(event) => (event.key === "Enter" || event.key === " ") && onCueEnd()}
        title="Cue: plays while held (C)"
      >
        CUE
      </button>
      <button
        type="button"
        className={`transport-button play-button${playing ? " is-active" : ""}`}
        disabled={!engine}
        aria-pressed={playing}
        onClick={onTogglePlay}
        title="Play / stop (Space)"
      >
        {playing ? "■ STOP" : "▶ PLAY"}
      </button>
      <div className="beat-lights" aria-hidden="true">
        {[0, 1, 2, 3].map((light) => (
          <span key={light} className={`beat-light${beat !== null && beat % 4 === light ? " is-on" : ""}${light === 0 ? " beat-light--downbeat" : ""}`} />
        ))}
      </div>
      <div
        className="output-meter"
        role="meter"
        aria-label="Output level"
        aria-valuemin={METER_FLOOR_DB}
        aria-valuemax={0}
        aria-valuenow={Math.round(peakDb)}
        aria-valuetext={peakDb <= METER_FLOOR_DB ? "silent" : `${peakDb.toFixed(1)} dBFS`}
      >
        <div className={`output-meter__fill${peakDb > -0.5 ? " is-hot" : ""}`} style={{ transform: `scaleX(${meterFill})` }} />
      </div>
      <div className="control-strip__bpm">
        <Knob id="knob-bpm" spec={bpmSpec} value={bpm} onChange={onBpm} label="Tempo" ariaLabel="Tempo" />
      </div>
    </section>
  );
}
