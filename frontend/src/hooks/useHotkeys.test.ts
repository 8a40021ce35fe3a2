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

  it("ignores auto-repeat, modifier chords and keys typed into fields or knobs", () => {
    const onDown = vi.fn();
    const { unmount } = renderHook(() => useHotkeys([{ keys: [" "], label: "Space", description: "play", onDown }]));
    window.dispatchEvent(new KeyboardEvent("keydown", { key: " ", repeat: true }));
    press(" ", window, { ctrlKey: true });
    const input = document.createElement("input");
    const knob = document.createElement("div");
    knob.setAttribute("role", "slider");
    document.body.append(input, knob);
    press(" ", input);
    press(" ", knob);
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
