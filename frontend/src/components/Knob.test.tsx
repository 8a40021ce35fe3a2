// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { ParamSpec } from "../audio/params";
import { TEST_PARAMS as PARAMS } from "../audio/params.fixture";
import { Knob } from "./Knob";

function Harness({ spec, initial }: { spec: ParamSpec; initial: number }) {
  const [value, setValue] = useState(initial);
  return <Knob id="knob" spec={spec} value={value} onChange={setValue} ariaLabel="Test knob" />;
}

afterEach(cleanup);

function valueOf(slider: HTMLElement): number {
  return Number(slider.getAttribute("aria-valuenow"));
}

describe("Knob", () => {
  it("is an ARIA slider showing its value in units and its angle", () => {
    render(<Harness spec={PARAMS.reverbVolume} initial={-30} />);
    const slider = screen.getByRole("slider", { name: "Test knob" });
    expect(slider.getAttribute("aria-valuemin")).toBe("-60");
    expect(slider.getAttribute("aria-valuemax")).toBe("0");
    expect(slider.getAttribute("aria-valuetext")).toBe("−30.0 dB");
    expect(screen.getByText("−30.0 dB").tagName).toBe("OUTPUT");
  });

  it("moves 1% of its travel per arrow key, 10% per page key, and jumps with Home/End", () => {
    render(<Harness spec={PARAMS.reverbVolume} initial={-30} />);
    const slider = screen.getByRole("slider");
    fireEvent.keyDown(slider, { key: "ArrowUp" });
    expect(valueOf(slider)).toBeCloseTo(-29.4, 6);
    fireEvent.keyDown(slider, { key: "PageDown" });
    expect(valueOf(slider)).toBeCloseTo(-35.4, 6);
    fireEvent.keyDown(slider, { key: "End" });
    expect(valueOf(slider)).toBe(0);
    fireEvent.keyDown(slider, { key: "ArrowUp" });
    expect(valueOf(slider)).toBe(0);
    fireEvent.keyDown(slider, { key: "Home" });
    expect(valueOf(slider)).toBe(-60);
  });

  it("steps whole BPM with the arrows, ten with Shift", () => {
    render(<Harness spec={PARAMS.bpm} initial={120} />);
    const slider = screen.getByRole("slider");
    fireEvent.keyDown(slider, { key: "ArrowUp" });
    expect(valueOf(slider)).toBe(121);
    fireEvent.keyDown(slider, { key: "ArrowDown", shiftKey: true });
    expect(valueOf(slider)).toBe(111);
  });

  it("resets to its default on double-click", () => {
    render(<Harness spec={PARAMS.limiterPreGain} initial={6} />);
    const slider = screen.getByRole("slider");
    fireEvent.doubleClick(slider);
    expect(valueOf(slider)).toBe(PARAMS.limiterPreGain.defaultValue);
  });

  it("rotates its pointer over −135°…+135°", () => {
    const { container, rerender } = render(<Knob id="k" spec={PARAMS.kickOtt} value={0} onChange={() => undefined} />);
    const pointer = () => container.querySelector("line")!;
    // At the minimum the pointer leans down-left, at the maximum down-right.
    expect(Number(pointer().getAttribute("x2"))).toBeLessThan(Number(pointer().getAttribute("x1")));
    expect(Number(pointer().getAttribute("y2"))).toBeGreaterThan(Number(pointer().getAttribute("y1")));
    rerender(<Knob id="k" spec={PARAMS.kickOtt} value={1} onChange={() => undefined} />);
    expect(Number(pointer().getAttribute("x2"))).toBeGreaterThan(Number(pointer().getAttribute("x1")));
    expect(Number(pointer().getAttribute("y2"))).toBeGreaterThan(Number(pointer().getAttribute("y1")));
  });
});
