/**
 * Presets: previous/next (wrap-around), a dropdown, save under a name and delete. Guests browse the
 * shared presets; shared presets can be loaded by everyone and deleted by no one.
 */
import { useState } from "react";
import { presetNameProblem, type NameRule, type Preset } from "./presets";
import type { DeleteOutcome, SaveOutcome } from "./usePresets";
import { ConfirmDialog, Modal } from "../components/Modal";

export interface PresetsBarProps {
  presets: readonly Preset[];
  currentId: string | null;
  modified: boolean;
  canSave: boolean;
  /** What the server accepts as a name (presetNameRule). */
  nameRule: NameRule;
  onSelect: (preset: Preset) => void;
  onStep: (direction: 1 | -1) => void;
  onSave: (name: string) => Promise<SaveOutcome>;
  onDelete: (id: string) => Promise<DeleteOutcome>;
}

export function PresetsBar({ presets, currentId, modified, canSave, nameRule, onSelect, onStep, onSave, onDelete }: PresetsBarProps) {
  const [dialog, setDialog] = useState<"save" | "delete" | null>(null);
  const current = presets.find((preset) => preset.id === currentId) ?? null;
  const shared = presets.filter((preset) => preset.isShared);
  const own = presets.filter((preset) => !preset.isShared);

  return (
    <nav className="bar presets-bar" aria-label="Presets">
      <button type="button" className="icon-button" aria-label="Previous preset" title="Previous preset (←)" onClick={() => onStep(-1)} disabled={presets.length === 0}>
        ◀
      </button>
      <label className="visually-hidden" htmlFor="preset-select">
        Preset
      </label>
      <select
        id="preset-select"
        className="select presets-bar__select"
        value={current?.id ?? ""}
        onChange={(event) => {
          const chosen = presets.find((preset) => preset.id === event.target.value);
          if (chosen) onSelect(chosen);
        }}
      >
        {!current && (
          <option value="" disabled>
            {presets.length === 0 ? "No presets yet" : "Choose a preset"}
          </option>
        )}
        {own.length > 0 && (
          <optgroup label="My presets">
            {own.map((preset) => (
              <option key={preset.id} value={preset.id}>
                {preset.name}
              </option>
            ))}
          </optgroup>
        )}
        {shared.length > 0 && (
          <optgroup label="Shared presets">
            {shared.map((preset) => (
              <option key={preset.id} value={preset.id}>
                {preset.name}
              </option>
            ))}
          </optgroup>
        )}
      </select>
      <button type="button" className="icon-button" aria-label="Next preset" title="Next preset (→)" onClick={() => onStep(1)} disabled={presets.length === 0}>
        ▶
      </button>
      <span className={`presets-bar__modified${modified && current ? " is-visible" : ""}`} aria-live="polite">
        {modified && current ? "edited" : ""}
      </span>
      {canSave && (
        <>
          <button type="button" className="button" onClick={() => setDialog("save")}>
            Save
          </button>
          <button
            type="button"
            className="button button--ghost"
            onClick={() => setDialog("delete")}
            disabled={!current || current.isShared}
            title={current?.isShared ? "Shared presets cannot be deleted" : "Delete this preset"}
          >
            Delete
          </button>
        </>
      )}
      {dialog === "save" && (
        <SavePresetDialog
          initialName={current && !current.isShared ? current.name : ""}
          rule={nameRule}
          existingNames={own.map((preset) => preset.name)}
          onSave={onSave}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "delete" && current && (
        <DeletePresetDialog preset={current} onDelete={onDelete} onClose={() => setDialog(null)} />
      )}
    </nav>
  );
}

interface SavePresetDialogProps {
  initialName: string;
  rule: NameRule;
  existingNames: readonly string[];
  onSave: (name: string) => Promise<SaveOutcome>;
  onClose: () => void;
}

function SavePresetDialog({ initialName, rule, existingNames, onSave, onClose }: SavePresetDialogProps) {
  const [name, setName] = useState(initialName);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const problem = presetNameProblem(name, rule);
  const overwrites = existingNames.some((existing) => existing.toLowerCase() === name.trim().toLowerCase());

  const submit = async () => {
    setTouched(true);
    if (problem || busy) return;
    setBusy(true);
    const outcome = await onSave(name);
    setBusy(false);
    if (outcome.ok) onClose();
    else setServerError(outcome.message);
  };

  return (
    <Modal title="Save preset" onCancel={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label className="form__field">
          <span>Name</span>
          <input
            className="input"
            name="preset-name"
            value={name}
            maxLength={rule.maxLength + 8}
            autoComplete="off"
            aria-invalid={touched && problem !== null}
            onChange={(event) => {
              setName(event.target.value);
              setServerError(null);
            }}
            onBlur={() => setTouched(true)}
          />
        </label>
        <p className="form__hint">
          {touched && problem ? <span className="form__error">{problem}</span> : overwrites ? "Overwrites your preset with this name." : rule.message}
        </p>
        {serverError && (
          <p className="form__error" role="alert">
            {serverError}
          </p>
        )}
        <div className="modal__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {overwrites ? "Overwrite" : "Save"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

interface DeletePresetDialogProps {
  preset: Preset;
  onDelete: (id: string) => Promise<DeleteOutcome>;
  onClose: () => void;
}

function DeletePresetDialog({ preset, onDelete, onClose }: DeletePresetDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <ConfirmDialog
      title="Delete preset"
      message={
        <p>
          Delete the preset <strong>{preset.name}</strong>? This cannot be undone.
        </p>
      }
      confirmLabel="Delete"
      busy={busy}
      error={error}
      onCancel={onClose}
      onConfirm={async () => {
        setBusy(true);
        const outcome = await onDelete(preset.id);
        setBusy(false);
        if (outcome.ok) onClose();
        else setError(outcome.message);
      }}
    />
  );
}
