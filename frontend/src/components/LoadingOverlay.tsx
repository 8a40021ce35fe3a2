/** Covers the DAW until the engine, the stock samples and the presets are ready. */
export interface LoadingOverlayProps {
  steps: readonly { label: string; done: boolean }[];
  error: string | null;
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
