/** "Generating kick..." with the live stage, a bar and percentage on one line of the status row; while the model loads, the first-kick note. */
import type { ProgressView } from "./kicks";

export function GenerationProgress({ progress }: { progress: ProgressView }) {
  return (
    <div className="kickgen-progress" data-testid="generation-progress">
      <strong className="kickgen-progress__title">Generating kick...</strong>
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
      <span className="kickgen-progress__stage" aria-live="polite">
        {progress.label} · {progress.percent}%
      </span>
      {progress.note && <span className="kickgen-progress__note">{progress.note}</span>}
    </div>
  );
}
