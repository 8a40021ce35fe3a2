/**
 * Global keyboard shortcuts, ignored while typing in a field or a dialog and for the keys a focused
 * knob uses. Handled keys are prevented, so Space on a focused button does not also click it.
 */
import { useEffect, useRef } from "react";

export interface Hotkey {
  /** KeyboardEvent.key values, e.g. " " or "ArrowLeft". */
  keys: readonly string[];
  label: string;
  description: string;
  onDown: (event: KeyboardEvent) => void;
  onUp?: () => void;
}

// A focused knob keeps these for itself; Space and the rest still reach the hotkeys.
const SLIDER_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End"]);

function isTyping(target: EventTarget | null, key: string): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) ||
    (target.getAttribute("role") === "slider" && SLIDER_KEYS.has(key)) ||
    target.closest("[role=dialog]") !== null
  );
}

export function useHotkeys(hotkeys: readonly Hotkey[]): void {
  const current = useRef(hotkeys);
  useEffect(() => {
    current.current = hotkeys;
  });

  useEffect(() => {
    const find = (event: KeyboardEvent) =>
      event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target, event.key)
        ? undefined
        : current.current.find((hotkey) => hotkey.keys.includes(event.key));
    const down = (event: KeyboardEvent) => {
      const hotkey = find(event);
      if (!hotkey) return;
      event.preventDefault();
      if (!event.repeat) hotkey.onDown(event);
    };
    const up = (event: KeyboardEvent) => {
      const hotkey = find(event);
      if (!hotkey?.onUp) return;
      event.preventDefault();
      hotkey.onUp();
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  }, []);
}
