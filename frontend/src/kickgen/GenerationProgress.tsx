/** "Generating kick..." with the live stage, percentage and, while the model loads, the warm-up note. */
import type { ProgressView } from "./kicks";

export function GenerationProgress({ progress }: { progress: ProgressView }) {
  return (
    <div className="kickgen-progress" data-testid="generation-progress">
      <div className="kickgen-progress__head">
        <strong>Generating kick...</strong>
        <span className="kickgen-progress__stage" aria-live="polite">
          {progress.label} · {progress.percent}%
        </span>
      </div>
      <div
        className="kickgen-progress__track"
        role="progressbar"
        aria-label="Kick generation"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress.percent}
        aria-valuetext={`${progress.label}, ${progress.percent}%`}
        data-stage={progress.stage}
      >
        <div className="kickgen-progress__fill" style={{ width: `${progress.percent}%` }} />
      </div>
      {progress.note && <p className="kickgen-progress__note">{progress.note}</p>}
    </div>
  );
}
