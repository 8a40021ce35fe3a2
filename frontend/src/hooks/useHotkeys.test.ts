// @vitest-environment happy-dom
import { renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { useHotkeys } from "./useHotkeys";

function press(key: string, target: EventTarget = window, init: KeyboardEventInit = {}) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  target.dispatchEvent(new KeyboardEvent("keyup", { key, bubbles: true, cancelable: true, ...init }));
}

describe("useHotkeys", () => {
  it("calls the handler on key down and the release handler on key up", () => {
    const onDown = vi.fn();
    const onUp = vi.fn();
    renderHook(() => useHotkeys([{ keys: ["c"], label: "C", description: "cue", onDown, onUp }]));
    press("c");
    expect(onDown).toHaveBeenCalledTimes(1);
    expect(onUp).toHaveBeenCalledTimes(1);
  });

  it("leaves a focused knob its arrow keys but not Space", () => {
    const onSpace = vi.fn();
    const onArrow = vi.fn();
    renderHook(() =>
      useHotkeys([
        { keys: [" "], label: "Space", description: "play", onDown: onSpace },
        { keys: ["ArrowUp"], label: "↑", description: "tempo", onDown: onArrow },
      ]),
    );
    const knob = document.createElement("div");
    knob.setAttribute("role", "slider");
    document.body.append(knob);
    press("ArrowUp", knob);
    press(" ", knob);
    expect(onArrow).not.toHaveBeenCalled();
    expect(onSpace).toHaveBeenCalledTimes(1);
    knob.remove();
  });

  it("ignores auto-repeat, modifier chords and keys typed into fields or dialogs", () => {
    const onDown = vi.fn();
    const { unmount } = renderHook(() => useHotkeys([{ keys: [" "], label: "Space", description: "play", onDown }]));
    window.dispatchEvent(new KeyboardEvent("keydown", { key: " ", repeat: true }));
    press(" ", window, { ctrlKey: true });
    const input = document.createElement("input");
    const dialog = document.createElement("div");
    dialog.setAttribute("role", "dialog");
    const button = document.createElement("button");
    dialog.append(button);
    document.body.append(input, dialog);
    press(" ", input);
    press(" ", button);
    expect(onDown).not.toHaveBeenCalled();
    press(" ", document.body);
    expect(onDown).toHaveBeenCalledTimes(1);
    unmount();
    press(" ");
    expect(onDown).toHaveBeenCalledTimes(1);
  });

  it("uses the latest handlers without re-subscribing", () => {
    const first = vi.fn();
    const second = vi.fn();
    const { rerender } = renderHook(({ handler }) => useHotkeys([{ keys: ["x"], label: "X", description: "", onDown: handler }]), {
      initialProps: { handler: first },
    });
    rerender({ handler: second });
    press("x");
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });
});
