/** Transport: cue (plays while held), play/stop, tempo and a four-light beat display. */
import { useEffect, useState } from "react";
import type { AudioEngine } from "../audio/engine";
import { PARAMS } from "../audio/params";
import { Knob } from "./Knob";

export interface ControlStripProps {
  engine: AudioEngine | null;
  playing: boolean;
  cueing: boolean;
  bpm: number;
  onBpm: (bpm: number) => void;
  onTogglePlay: () => void;
  onCueStart: () => void;
  onCueEnd: () => void;
}

function useBeat(engine: AudioEngine | null, running: boolean): number | null {
  const [beat, setBeat] = useState<number | null>(null);
  useEffect(() => {
    if (!engine || !running) {
      setBeat(null);
      return;
    }
    let frame = requestAnimationFrame(function tick() {
      setBeat(engine.currentBeat());
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [engine, running]);
  return beat;
}

export function ControlStrip({ engine, playing, cueing, bpm, onBpm, onTogglePlay, onCueStart, onCueEnd }: ControlStripProps) {
  const beat = useBeat(engine, playing || cueing);
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
      <div className="control-strip__bpm">
        <Knob id="knob-bpm" spec={PARAMS.bpm} value={bpm} onChange={onBpm} label="Tempo" />
      </div>
    </section>
  );
}
