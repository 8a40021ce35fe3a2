/** The sound layers (kick, noise, reverb) and the master strip, each a row of knobs under its sample choice. */
import type { ReactNode } from "react";
import type { DawSettings, ParamId, ParamSpecs } from "../audio/params";
import { Knob } from "../components/Knob";
import { Selectah, type SelectahOption } from "../components/Selectah";
import { Strip } from "../components/Strip";
import type { SampleSlot } from "../state/daw";

export interface LayersProps {
  params: ParamSpecs;
  settings: DawSettings;
  /** The kick strip's sample choice (the Selectah, or the way back in Kick Gen mode) and badge. */
  kickSelector: ReactNode;
  kickBadge: ReactNode;
  noises: readonly SelectahOption[];
  impulseResponses: readonly SelectahOption[];
  onParam: (id: ParamId, value: number) => void;
  onSample: (slot: SampleSlot, key: string) => void;
}

export function Layers({ params, settings, kickSelector, kickBadge, noises, impulseResponses, onParam, onSample }: LayersProps) {
  const knob = (id: ParamId, layer: string) => (
    <Knob key={id} id={`knob-${id}`} spec={params[id]} value={settings[id]} onChange={(value) => onParam(id, value)} ariaLabel={`${layer} ${params[id].label.toLowerCase()}`} />
  );
  return (
    <>
      <div className="layers">
        <Strip title="Kick" accent="kick" badge={kickBadge} selector={kickSelector}>
          {knob("kickLength", "Kick")}
          {knob("kickDistortion", "Kick")}
          {knob("kickOtt", "Kick")}
        </Strip>
        <Strip
          title="Noise"
          accent="noise"
          selector={<Selectah id="noise-selectah" label="Noise sample" value={settings.noiseKey} groups={[{ label: "Noise", options: noises }]} onChange={(key) => onSample("noiseKey", key)} />}
        >
          {knob("noiseLowPass", "Noise")}
          {knob("noiseHighPass", "Noise")}
          {knob("noiseVolume", "Noise")}
        </Strip>
        <Strip
          title="Reverb"
          accent="reverb"
          selector={
            <Selectah id="reverb-selectah" label="Reverb impulse response" value={settings.reverbKey} groups={[{ label: "Impulse responses", options: impulseResponses }]} onChange={(key) => onSample("reverbKey", key)} />
          }
        >
          {knob("reverbLowPass", "Reverb")}
          {knob("reverbHighPass", "Reverb")}
          {knob("reverbVolume", "Reverb")}
        </Strip>
      </div>
      <Strip title="Master" accent="master">
        {knob("masterOtt", "Master")}
        {knob("masterDistortion", "Master")}
        {knob("limiterPreGain", "Master")}
      </Strip>
    </>
  );
}
