/**
 * A button with a small panel under it: the panel floats over the page (nothing below it moves),
 * closes on Escape (focus goes back to its button), on a click outside and when its content asks
 * (`close`, e.g. after starting what the panel offers).
 */
import { useEffect, useRef, useState, type ReactNode } from "react";

export interface PopoverProps {
  /** The button's and the panel's accessible name. */
  label: string;
  title?: string;
  buttonClassName: string;
  buttonContent: ReactNode;
  disabled?: boolean;
  /** Which edge of the button the panel lines up with. */
  align?: "start" | "end";
  children: (close: () => void) => ReactNode;
}

export function Popover({ label, title, buttonClassName, buttonContent, disabled = false, align = "start", children }: PopoverProps) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const isOpen = open && !disabled;

  useEffect(() => {
    if (!isOpen) return;
    const closeOutside = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", closeOutside);
    return () => document.removeEventListener("pointerdown", closeOutside);
  }, [isOpen]);

  const close = () => setOpen(false);

  return (
    <div
      className="popover"
      ref={root}
      onKeyDown={(event) => {
        if (event.key === "Escape" && isOpen) {
          event.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button ref={button} type="button" className={buttonClassName} aria-label={label} title={title ?? label} aria-haspopup="dialog" aria-expanded={isOpen} disabled={disabled} onClick={() => setOpen(!isOpen)}>
        {buttonContent}
      </button>
      {isOpen && (
        <div className={`popover__panel popover__panel--${align}`} role="dialog" aria-label={label}>
          {children(close)}
        </div>
      )}
    </div>
  );
}
