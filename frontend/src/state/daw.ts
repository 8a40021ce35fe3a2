/**
 * App state: the mode, the settings the engine plays and which preset they came from. One reducer,
 * so every change (a knob, a Selectah, a preset, a mode switch) goes through the same place.
 */
import { constrain, defaultSettings, type DawSettings, type ParamId, type ParamSpecs } from "../audio/params";
import { presetToSettings, type Preset } from "../presets/presets";

export type Mode = "daw" | "kickGen";
export type SampleSlot = "kickKey" | "noiseKey" | "reverbKey";

export interface DawState {
  /** The parameters' specs from the start-up answer: every knob value is kept inside them. */
  params: ParamSpecs;
  mode: Mode;
  settings: DawSettings;
  /** The preset last loaded or saved; null after starting from defaults. */
  presetId: string | null;
  /** True once the settings differ from that preset. */
  modified: boolean;
}

export type DawAction =
  | { type: "setParam"; id: ParamId; value: number }
  | { type: "setSample"; slot: SampleSlot; key: string | null }
  | { type: "loadPreset"; preset: Preset }
  | { type: "presetSaved"; preset: Preset }
  | { type: "presetDeleted"; id: string }
  | { type: "setMode"; mode: Mode };

export function initialDawState(params: ParamSpecs): DawState {
  return { params, mode: "daw", settings: defaultSettings(params), presetId: null, modified: false };
}

export function dawReducer(state: DawState, action: DawAction): DawState {
  switch (action.type) {
    case "setParam": {
      const value = constrain(state.params[action.id], action.value);
      if (state.settings[action.id] === value) return state;
      return { ...state, settings: { ...state.settings, [action.id]: value }, modified: true };
    }
    case "setSample":
      if (state.settings[action.slot] === action.key) return state;
      return { ...state, settings: { ...state.settings, [action.slot]: action.key }, modified: true };
    case "loadPreset":
      return { ...state, settings: presetToSettings(action.preset), presetId: action.preset.id, modified: false };
    case "presetSaved":
      return { ...state, presetId: action.preset.id, modified: false };
    case "presetDeleted":
      return state.presetId === action.id ? { ...state, presetId: null, modified: true } : state;
    case "setMode":
      // Switching modes keeps every setting: a producer goes back and forth without losing work.
      return { ...state, mode: action.mode };
  }
}
