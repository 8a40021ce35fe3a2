/**
 * A rotary knob: drag up/down (Shift for fine), arrow keys / Page keys / Home / End, double-click
 * to reset. Travels −135°…+135°, shows its value in units and is an ARIA slider.
 */
import { useRef, type KeyboardEvent, type PointerEvent } from "react";
import { formatValue, fromNormalized, positionToAngle, toNormalized, type ParamSpec } from "../audio/params";

const DRAG_PIXELS_FOR_FULL_RANGE = 200;
const FINE_FACTOR = 0.1;
const ARC_RADIUS = 20;
const SIZE = 56;

export interface KnobProps {
  id: string;
  spec: ParamSpec;
  value: number;
  onChange: (value: number) => void;
  /** Overrides the spec's label, e.g. to say which layer it belongs to. */
  label?: string;
  /** The accessible name when the visible label alone is ambiguous, e.g. "Kick length". */
  ariaLabel?: string;
  size?: "regular" | "large";
}

function polar(angleDegrees: number, radius: number): { x: number; y: number } {
  const radians = ((angleDegrees - 90) * Math.PI) / 180;
  return { x: SIZE / 2 + radius * Math.cos(radians), y: SIZE / 2 + radius * Math.sin(radians) };
}

function arcPath(fromDegrees: number, toDegrees: number, radius: number): string {
  const start = polar(fromDegrees, radius);
  const end = polar(toDegrees, radius);
  const large = Math.abs(toDegrees - fromDegrees) > 180 ? 1 : 0;
  const sweep = toDegrees > fromDegrees ? 1 : 0;
  return `M ${start.x} ${start.y} A ${radius} ${radius} 0 ${large} ${sweep} ${end.x} ${end.y}`;
}

export function Knob({ id, spec, value, onChange, label = spec.label, ariaLabel, size = "regular" }: KnobProps) {
  const drag = useRef<{ pointerY: number; position: number } | null>(null);
  const position = toNormalized(spec, value);
  const angle = positionToAngle(position);
  const text = formatValue(spec, value);
  const setPosition = (next: number) => onChange(fromNormalized(spec, next));

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    event.currentTarget.focus();
    drag.current = { pointerY: event.clientY, position };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    const scale = event.shiftKey ? FINE_FACTOR : 1;
    const delta = ((drag.current.pointerY - event.clientY) / DRAG_PIXELS_FOR_FULL_RANGE) * scale;
    setPosition(drag.current.position + delta);
  };
  const onPointerUp = () => {
    drag.current = null;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const small = spec.step > 0 ? spec.step / (spec.max - spec.min) : event.shiftKey ? 0.002 : 0.01;
    const moves: Record<string, number> = {
      ArrowUp: position + small,
      ArrowRight: position + small,
      ArrowDown: position - small,
      ArrowLeft: position - small,
      PageUp: position + 0.1,
      PageDown: position - 0.1,
      Home: 0,
      End: 1,
    };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    // Stepped parameters (BPM) move by whole steps, whatever the taper.
    if (spec.step > 0 && event.key.startsWith("Arrow")) {
      const direction = event.key === "ArrowUp" || event.key === "ArrowRight" ? 1 : -1;
      onChange(Math.min(spec.max, Math.max(spec.min, value + direction * spec.step * (event.shiftKey ? 10 : 1))));
    } else {
      setPosition(next);
    }
  };

  return (
    <div className={`knob knob--${size}`}>
      <span className="knob__label" id={`${id}-label`}>
        {label}
      </span>
      <div
        id={id}
        className="knob__dial"
        role="slider"
        tabIndex={0}
        aria-label={ariaLabel}
        aria-labelledby={ariaLabel ? undefined : `${id}-label`}
        aria-valuemin={spec.min}
        aria-valuemax={spec.max}
        aria-valuenow={Number(value.toFixed(4))}
        aria-valuetext={text}
        title={`${label}: ${text} (drag, arrow keys, double-click to reset)`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
        onDoubleClick={() => onChange(spec.defaultValue)}
      >
        <svg viewBox={`0 0 ${SIZE} ${SIZE}`} aria-hidden="true">
          <path className="knob__track" d={arcPath(-135, 135, ARC_RADIUS + 5)} />
          {position > 0.001 && <path className="knob__fill" d={arcPath(-135, angle, ARC_RADIUS + 5)} />}
          <circle className="knob__body" cx={SIZE / 2} cy={SIZE / 2} r={ARC_RADIUS} />
          <line
            className="knob__pointer"
            x1={polar(angle, 7).x}
            y1={polar(angle, 7).y}
            x2={polar(angle, ARC_RADIUS - 3).x}
            y2={polar(angle, ARC_RADIUS - 3).y}
          />
        </svg>
      </div>
      <output className="knob__value" htmlFor={id}>
        {text}
      </output>
    </div>
  );
}
