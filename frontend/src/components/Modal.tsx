/** A modal dialog: focus moves into it, Escape or the backdrop cancels, Tab stays inside. */
import { useEffect, useRef, type ReactNode } from "react";

export interface ModalProps {
  title: string;
  onCancel: () => void;
  children: ReactNode;
}

export function Modal({ title, onCancel, children }: ModalProps) {
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previouslyFocused = document.activeElement as HTMLElement | null;
    const first = panel.current?.querySelector<HTMLElement>("input, button, select, [tabindex]");
    first?.focus();
    return () => previouslyFocused?.focus();
  }, []);

  return (
    <div className="modal__backdrop" onPointerDown={(event) => event.target === event.currentTarget && onCancel()}>
      <div
        ref={panel}
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="modal-title"
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.stopPropagation();
            onCancel();
          }
          if (event.key === "Tab") {
            const focusable = [...(panel.current?.querySelectorAll<HTMLElement>("input, button, select, textarea") ?? [])].filter(
              (element) => !element.hasAttribute("disabled"),
            );
            const [first, last] = [focusable[0], focusable.at(-1)];
            if (event.shiftKey && document.activeElement === first) {
              event.preventDefault();
              last?.focus();
            } else if (!event.shiftKey && document.activeElement === last) {
              event.preventDefault();
              first?.focus();
            }
          }
        }}
      >
        <h2 id="modal-title" className="modal__title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}

export interface ConfirmDialogProps {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({ title, message, confirmLabel, busy = false, error = null, onConfirm, onCancel }: ConfirmDialogProps) {
  return (
    <Modal title={title} onCancel={onCancel}>
      <div className="modal__body">{message}</div>
      {error && (
        <p className="form__error" role="alert">
          {error}
        </p>
      )}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
