/**
 * AI Kick Gen mode's bar, in the presets bar's place and look: the member's AI kicks (previous/next
 * with wrap-around, a dropdown, ℹ️ its recipe), the keyword chips, 🎨 Generate kick with live
 * progress, ↻ More like this and 📁 a kick from a sample (picked, or dropped anywhere on the
 * bar), both at a chosen strength, 🔊 autoplay, ⤓ Download and Delete; below it the status row
 * (the DAW mode's, same place and height): generation status or today's quota. The bar keeps
 * one line and every panel floats, so nothing below it moves.
 */
import { useRef, useState, type DragEvent } from "react";
import { Popover } from "../components/Popover";
import { DeleteKickDialog } from "./DeleteKickDialog";
import { downloadKick } from "./download";
import { GenerationProgress } from "./GenerationProgress";
import { KeywordChips } from "./KeywordChips";
import { type AiKick, type GenerationState, type KickGenSettings, type KickQuota } from "./kicks";
import { QuotaStatus, StatusRow } from "./StatusRow";
import type { AffectedPreset, DeleteKickOutcome } from "./useAiKicks";
import type { VocabularyState } from "./useKickVocabulary";
import { promptOf, recipeRows } from "./words";
import "./kickgen.css";

/** What the file picker offers; the server checks the contents whatever the name says. */
const SAMPLE_TYPES = ".wav,.wave,.aif,.aiff,.aifc,.flac,.ogg,.oga,audio/wav,audio/x-wav,audio/aiff,audio/flac,audio/ogg";

export const NO_KICKS_PLACEHOLDER = "Click 🎨 to generate new kick";

export interface KickGenBarProps {
  kicks: readonly AiKick[];
  selectedId: string | null;
  quota: KickQuota | null;
  generation: GenerationState;
  onSelect: (kick: AiKick) => void;
  onStep: (direction: 1 | -1) => void;
  /** A new kick from the chosen words. */
  onGenerate: () => void;
  /** Try the failed generation again. */
  onRetry: () => void;
  onDismiss: () => void;
  vocabulary: VocabularyState & { reload: () => void };
  words: readonly string[];
  onWords: (words: string[]) => void;
  /** Preferences and the variation limits; null until the member's kicks are loaded. */
  settings: KickGenSettings | null;
  onAutoplay: (on: boolean) => void;
  onVary: (kick: AiKick, strength: number) => void;
  onSample: (file: File, strength: number) => void;
  /** `confirmed` lists the presets the member agreed to delete with the kick; null asks first. */
  onDelete: (kick: AiKick, confirmed: readonly AffectedPreset[] | null) => Promise<DeleteKickOutcome>;
}

interface PendingDelete {
  kick: AiKick;
  presets: AffectedPreset[];
}

export function KickGenBar(props: KickGenBarProps) {
  const { kicks, selectedId, quota, generation, onSelect, onStep, onGenerate, onRetry, onDismiss, onDelete, vocabulary, words, onWords, settings, onAutoplay, onVary, onSample } = props;
  const [pending, setPending] = useState<PendingDelete | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [chosenStrength, setStrength] = useState<number | null>(null);
  const [dropping, setDropping] = useState(false);
  const filePicker = useRef<HTMLInputElement>(null);
  const selected = kicks.find((kick) => kick.id === selectedId) ?? null;
  const generating = generation.status === "running" || generation.status === "loading";
  const range = settings?.variationStrength ?? null;
  const strength = chosenStrength ?? range?.default ?? null;
  const known = vocabulary.status === "ready" ? vocabulary.vocabulary : null;
  const prompt = promptOf(words, known);
  // Until the model has said which words it knows, one click makes its default sound.
  const shownPrompt = prompt || (vocabulary.status === "loading" ? "…" : "default sound");
  const autoplay = settings?.preferences.autoplay ?? true;

  const sample = (file: File | undefined) => {
    if (file && strength !== null && !generating) onSample(file, strength);
  };
  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes("Files");

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
    <section
      className={`kickgen${dropping ? " kickgen--dropping" : ""}`}
      aria-label="AI kicks"
      onDragOver={(event) => {
        if (!carriesFiles(event) || generating || strength === null) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        setDropping(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropping(false);
      }}
      onDrop={(event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        setDropping(false);
        sample(event.dataTransfer.files[0]);
      }}
    >
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
        <Popover label="Recipe" title="How this kick was made" buttonClassName="icon-button" buttonContent="ℹ️" disabled={!selected}>
          {() =>
            selected && (
              <dl className="recipe" data-testid="kick-recipe">
                {recipeRows(selected.recipe).map((row) => (
                  <div key={row.label} className="recipe__row">
                    <dt>{row.label}</dt>
                    <dd>{row.value}</dd>
                  </div>
                ))}
              </dl>
            )
          }
        </Popover>
        <Popover
          label={`Keywords: ${shownPrompt}`}
          title="Choose the words the kick is made from"
          buttonClassName="button kickgen-bar__words"
          buttonContent={
            <>
              <span className="kickgen-bar__words-text">{shownPrompt}</span> ▾
            </>
          }
        >
          {() =>
            known ? (
              <KeywordChips vocabulary={known} words={words} onChange={onWords} />
            ) : vocabulary.status === "loading" ? (
              <p className="popover__note">Asking the generator which words it knows…</p>
            ) : (
              <p className="popover__note">
                {vocabulary.status === "unavailable" ? vocabulary.message : ""} Kicks use the model's default words.{" "}
                <button type="button" className="button" onClick={vocabulary.reload}>
                  Ask again
                </button>
              </p>
            )
          }
        </Popover>
        <button type="button" className="button button--primary kickgen-bar__generate" title={`Generate a new kick: ${prompt || "the model's default sound"}`} aria-busy={generating} disabled={generating} onClick={onGenerate}>
          <span className="button__icon" aria-hidden="true">
            🎨
          </span>
          Generate kick
        </button>
        <Popover label="More like this" title="Variations of the selected kick" buttonClassName="button" buttonContent="↻ More like this" disabled={!selected || generating || strength === null} align="end">
          {(close) =>
            selected &&
            range &&
            strength !== null && (
              <div className="variation-panel">
                <p className="popover__note">
                  New kicks like <strong>{selected.name}</strong> ({selected.recipe.prompt}), each from a new seed.
                </p>
                <StrengthSlider range={range} value={strength} onChange={setStrength} />
                <button
                  type="button"
                  className="button button--primary"
                  onClick={() => {
                    close();
                    onVary(selected, strength);
                  }}
                >
                  ↻ Make a variation
                </button>
              </div>
            )
          }
        </Popover>
        <Popover label="Kick from a sample" title="A kick like your own drum sample (or drop one on this bar)" buttonClassName="icon-button" buttonContent="📁" disabled={generating || strength === null} align="end">
          {(close) =>
            range &&
            strength !== null && (
              <div className="variation-panel">
                <p className="popover__note">A kick like your own drum sample (WAV, AIFF, FLAC or OGG): pick one, or drop it anywhere on this bar. The sample is not kept.</p>
                <StrengthSlider range={range} value={strength} onChange={setStrength} />
                <button
                  type="button"
                  className="button button--primary"
                  onClick={() => {
                    close();
                    filePicker.current?.click();
                  }}
                >
                  Choose a sample…
                </button>
              </div>
            )
          }
        </Popover>
        <input
          ref={filePicker}
          type="file"
          accept={SAMPLE_TYPES}
          hidden
          data-testid="sample-file"
          onChange={(event) => {
            sample(event.target.files?.[0]);
            event.target.value = "";
          }}
        />
        <button
          type="button"
          className={`icon-button kickgen-bar__autoplay${autoplay ? " is-active" : ""}`}
          aria-label="Autoplay new kicks"
          aria-pressed={autoplay}
          title={autoplay ? "New kicks play once as they arrive (on)" : "New kicks play once as they arrive (off)"}
          disabled={!settings}
          onClick={() => onAutoplay(!autoplay)}
        >
          {autoplay ? "🔊" : "🔈"}
        </button>
        <button type="button" className="icon-button" aria-label="Download" title="Download this kick as WAV" disabled={!selected} onClick={() => selected && void download(selected)}>
          ⤓
        </button>
        <button type="button" className="button button--ghost" disabled={!selected || busy || generating} onClick={() => selected && void requestDelete(selected)}>
          Delete
        </button>
      </nav>
      <StatusRow>
        {generation.status !== "idle" ? (
          <GenerationStatus generation={generation} onRetry={onRetry} onDismiss={onDismiss} />
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

interface StrengthSliderProps {
  range: NonNullable<KickGenSettings["variationStrength"]>;
  value: number;
  onChange: (value: number) => void;
}

/** How much of the kick is drawn anew: a little keeps it close, a lot moves away. */
function StrengthSlider({ range, value, onChange }: StrengthSliderProps) {
  return (
    <label className="strength">
      <span>Strength</span>
      <input
        type="range"
        min={range.min}
        max={range.max}
        step={0.05}
        value={value}
        aria-valuetext={`${value.toFixed(2)}: ${value < 0.35 ? "close to it" : value > 0.65 ? "far from it" : "in between"}`}
        onChange={(event) => onChange(Number(event.target.value))}
      />
      <output>{value.toFixed(2)}</output>
    </label>
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
