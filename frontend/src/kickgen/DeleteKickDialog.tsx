/** Confirms deleting a kick that presets use: they are listed, and go with it. */
import { ConfirmDialog } from "../components/Modal";
import type { AffectedPreset } from "./useAiKicks";

export interface DeleteKickDialogProps {
  kickName: string;
  presets: readonly AffectedPreset[];
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function DeleteKickDialog({ kickName, presets, busy, error, onConfirm, onCancel }: DeleteKickDialogProps) {
  return (
    <ConfirmDialog
      title={`Delete ${kickName}`}
      message={
        <>
          <p>Deleting this kick will also delete these presets:</p>
          <ul className="kickgen-dialog__presets" data-testid="affected-presets">
            {presets.map((preset) => (
              <li key={preset.id}>- {preset.name}</li>
            ))}
          </ul>
        </>
      }
      confirmLabel="Delete kick and presets"
      busy={busy}
      error={error}
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}
