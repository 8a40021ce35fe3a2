/** Covers the DAW until the start-up answer, the engine, the stock samples and the presets are ready. */
export interface LoadingStep {
  label: string;
  done: boolean;
}

export interface LoadingOverlayProps {
  steps: readonly LoadingStep[];
  error: string | null;
}

/** The DAW's start-up steps, in order; `aiKicks` only for a member logged in at start-up. */
export function dawLoadingSteps(done: { presets: boolean; samples: boolean; engine: boolean; aiKicks?: boolean }): LoadingStep[] {
  return [
    { label: "Loading the presets", done: done.presets },
    { label: "Loading the sample library", done: done.samples },
    { label: "Starting the audio engine", done: done.engine },
    ...(done.aiKicks === undefined ? [] : [{ label: "Loading your AI kicks", done: done.aiKicks }]),
  ];
}

export function LoadingOverlay({ steps, error }: LoadingOverlayProps) {
  return (
    <div className="loading-overlay" role="status" aria-live="polite" data-testid="loading-overlay">
      <div className="loading-overlay__panel">
        <div className="loading-overlay__logo">KICK WITH REVERB</div>
        {error ? (
          <p className="form__error">{error}</p>
        ) : (
          <ul className="loading-overlay__steps">
            {steps.map((step) => (
              <li key={step.label} className={step.done ? "is-done" : ""}>
                <span className="loading-overlay__mark">{step.done ? "✓" : <span className="spinner" />}</span>
                {step.label}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
