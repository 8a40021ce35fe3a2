/** The two ways between the modes: the big "Generate an AI Kick" entry and the kick strip's "Back To DAW". */
import "./kickgen.css";

/** Waits for the member's kicks (right after a login) so that entering can load the first one. */
export function GenerateAiKickButton({ loading, onClick }: { loading: boolean; onClick: () => void }) {
  return (
    <button type="button" className="generate-ai-kick" onClick={onClick} disabled={loading} aria-busy={loading} title={loading ? "Loading your AI kicks…" : undefined}>
      <span className="generate-ai-kick__icon" aria-hidden="true">
        🎨
      </span>
      <span className="generate-ai-kick__text">Generate an AI Kick</span>
    </button>
  );
}

export function BackToDawButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" className="button back-to-daw" onClick={onClick}>
      ← Back To DAW
    </button>
  );
}
