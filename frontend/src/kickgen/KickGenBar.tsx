/**
 * AI Kick Gen mode's bar, in the presets bar's place and look: the member's AI kicks (previous/next
 * with wrap-around, a dropdown), 🎨 Generate kick with live progress, ⤓ Download and Delete; below
 * it the status row (the DAW mode's, same place and height): generation status or today's quota.
 */
import { useState } from "react";
import { DeleteKickDialog } from "./DeleteKickDialog";
import { downloadKick } from "./download";
import { GenerationProgress } from "./GenerationProgress";
import { type AiKick, type GenerationState, type KickQuota } from "./kicks";
import { QuotaStatus, StatusRow } from "./StatusRow";
import type { AffectedPreset, DeleteKickOutcome } from "./useAiKicks";
import "./kickgen.css";

export const NO_KICKS_PLACEHOLDER = "Click 🎨 to generate new kick";

export interface KickGenBarProps {
  kicks: readonly AiKick[];
  selectedId: string | null;
  quota: KickQuota | null;
  generation: GenerationState;
  onSelect: (kick: AiKick) => void;
  onStep: (direction: 1 | -1) => void;
  onGenerate: () => void;
  onDismiss: () => void;
  /** `confirmed` lists the presets the member agreed to delete with the kick; null asks first. */
  onDelete: (kick: AiKick, confirmed: readonly AffectedPreset[] | null) => Promise<DeleteKickOutcome>;
}

interface PendingDelete {
  kick: AiKick;
  presets: AffectedPreset[];
}

export function KickGenBar({ kicks, selectedId, quota, generation, onSelect, onStep, onGenerate, onDismiss, onDelete }: KickGenBarProps) {
  const [pending, setPending] = useState<PendingDelete | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const selected = kicks.find((kick) => kick.id === selectedId) ?? null;
  const generating = generation.status === "running" || generation.status === "loading";

  const requestDelete = async (kick: AiKick) => {
    setBusy(true);
    setProblem(null);
    const outcome = await onDelete(kick, null);
    setBusy(false);
    if (outcome.status === "presetsAffected") setPending({ kick, presets: outcome.presets });
    if (outcome.status === "error") setProblem(outcome.message);
  };

  const confirmDelete = async ({ kick, presets }: PendingDelete) => {
    setBusy(true);
    const outcome = await onDelete(kick, presets);
    setBusy(false);
    if (outcome.status === "error") setProblem(outcome.message);
    // The server found more presets in the meantime: list them all and ask again.
    if (outcome.status === "presetsAffected") setPending({ kick, presets: outcome.presets });
    else setPending(null);
  };

  const download = async (kick: AiKick) => {
    setProblem(null);
    try {
      await downloadKick(kick);
    } catch (reason) {
      setProblem(`The kick could not be downloaded (${reason instanceof Error ? reason.message : String(reason)}).`);
    }
  };

  return (
    <section className="kickgen" aria-label="AI kicks">
      <nav className="bar presets-bar kickgen-bar" aria-label="AI kick library">
        <button type="button" className="icon-button" aria-label="Previous AI kick" title="Previous AI kick (←)" onClick={() => onStep(-1)} disabled={kicks.length === 0}>
          ◀
        </button>
        <label className="visually-hidden" htmlFor="ai-kick-select">
          AI kick
        </label>
        <select
          id="ai-kick-select"
          className="select presets-bar__select"
          value={selected?.id ?? ""}
          onChange={(event) => {
            const chosen = kicks.find((kick) => kick.id === event.target.value);
            if (chosen) onSelect(chosen);
          }}
        >
          {!selected && (
            <option value="" disabled>
              {kicks.length === 0 ? NO_KICKS_PLACEHOLDER : "Choose an AI kick"}
            </option>
          )}
          {kicks.map((kick) => (
            <option key={kick.id} value={kick.id}>
              {kick.name}
            </option>
          ))}
        </select>
        <button type="button" className="icon-button" aria-label="Next AI kick" title="Next AI kick (→)" onClick={() => onStep(1)} disabled={kicks.length === 0}>
          ▶
        </button>
        <button type="button" className="button button--primary kickgen-bar__generate" title="Generate a new kick" aria-busy={generating} disabled={generating} onClick={onGenerate}>
          <span className="button__icon" aria-hidden="true">
            🎨
          </span>
          Generate kick
        </button>
        <button type="button" className="button" title="Download this kick as WAV" disabled={!selected} onClick={() => selected && void download(selected)}>
          <span className="button__icon" aria-hidden="true">
            ⤓
          </span>
          Download
        </button>
        <button type="button" className="button button--ghost" disabled={!selected || busy || generating} onClick={() => selected && void requestDelete(selected)}>
          Delete
        </button>
      </nav>
      <StatusRow>
        {generation.status !== "idle" ? (
          <GenerationStatus generation={generation} onRetry={onGenerate} onDismiss={onDismiss} />
        ) : problem && !pending ? (
          <p className="notice notice--error" role="alert">
            {problem}
          </p>
        ) : (
          <QuotaStatus quota={quota} />
        )}
      </StatusRow>
      {pending && (
        <DeleteKickDialog
          kickName={pending.kick.name}
          presets={pending.presets}
          busy={busy}
          error={problem}
          onConfirm={() => void confirmDelete(pending)}
          onCancel={() => {
            setPending(null);
            setProblem(null);
          }}
        />
      )}
    </section>
  );
}

interface GenerationStatusProps {
  generation: GenerationState;
  onRetry: () => void;
  onDismiss: () => void;
}

function GenerationStatus({ generation, onRetry, onDismiss }: GenerationStatusProps) {
  switch (generation.status) {
    case "idle":
      return null;
    case "running":
    case "loading":
      return <GenerationProgress progress={generation.progress} />;
    case "refused":
      return (
        <p className="notice notice--warning status-row__message" role="alert" data-testid="generation-refused">
          <span>{generation.message}</span>
          <button type="button" className="status-row__dismiss" aria-label="Dismiss" onClick={onDismiss}>
            ×
          </button>
        </p>
      );
    case "failed":
      return (
        <p className="notice notice--error status-row__message" role="alert" data-testid="generation-failed">
          <span>
            {generation.message} {generation.retryable ? "Nothing was used from today's generations." : ""}
          </span>
          {generation.retryable ? (
            <button type="button" className="button status-row__retry" onClick={onRetry}>
              Try again
            </button>
          ) : (
            <button type="button" className="status-row__dismiss" aria-label="Dismiss" onClick={onDismiss}>
              ×
            </button>
          )}
        </p>
      );
  }
}
