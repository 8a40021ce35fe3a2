/**
 * A generation left running while the producer went back to the DAW, as a small pill on the kick
 * strip: its progress while it runs, "AI: Horst is ready" once it lands, or that it did not work.
 * Clicking the pill opens AI Kick Gen mode, which selects the new kick or explains the failure.
 */
import type { AiKick, GenerationState } from "./kicks";
import "./kickgen.css";

export interface BackgroundGenerationProps {
  generation: GenerationState;
  /** The kick that landed while in DAW mode, until AI Kick Gen mode is opened. */
  landed: AiKick | null;
  onOpen: () => void;
}

export function BackgroundGeneration({ generation, landed, onOpen }: BackgroundGenerationProps) {
  if (generation.status === "running" || generation.status === "loading") {
    const { label, percent } = generation.progress;
    return (
      <button type="button" className="kick-pill" onClick={onOpen} title={`${label} · open AI Kick Gen mode`} data-testid="kick-pill">
        <span>AI kick {percent}%</span>
        <span
          className="kick-pill__track"
          role="progressbar"
          aria-label="AI kick generating in the background"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${label}, ${percent}%`}
        >
          <span className="kick-pill__fill" style={{ width: `${percent}%` }} />
        </span>
      </button>
    );
  }
  // Announced once, when the generation ends.
  const ended = landed
    ? { modifier: "ready", text: `✓ ${landed.name} is ready` }
    : generation.status === "failed" || generation.status === "refused"
      ? { modifier: "failed", text: "AI kick not generated" }
      : null;
  if (!ended) return null;
  return (
    <span role="status">
      <button type="button" className={`kick-pill kick-pill--${ended.modifier}`} onClick={onOpen} title="Open AI Kick Gen mode" data-testid="kick-pill">
        {ended.text}
      </button>
    </span>
  );
}
