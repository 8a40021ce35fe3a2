/**
 * The DAW's start-up: the presets (the first page came with the start-up answer, the rest
 * follow; the first one is loaded, else the first stock samples) and every stock sample decoded
 * into the library.
 */
import { useEffect, useState, type Dispatch } from "react";
import type { Client } from "urql";
import { sharedAudioContext } from "../audio/context";
import type { LoadFailure, SampleKind, SampleLibrary } from "../audio/library";
import type { StartupQuery } from "../gql/graphql";
import { sortPresets } from "../presets/presets";
import { loadAllPresets, type PresetStore } from "../presets/usePresets";
import type { DawAction } from "../state/daw";

export interface Startup {
  presetsReady: boolean;
  samplesReady: boolean;
  loadFailures: LoadFailure[];
}

export function useStartup(client: Client, data: StartupQuery, library: SampleLibrary, store: PresetStore, dispatch: Dispatch<DawAction>): Startup {
  const [presetsReady, setPresetsReady] = useState(false);
  const [samplesReady, setSamplesReady] = useState(false);
  const [loadFailures, setLoadFailures] = useState<LoadFailure[]>([]);

  useEffect(() => {
    const controller = new AbortController();
    void loadAllPresets(client, data.presets)
      .catch(() => data.presets.results)
      .then((presets) => {
        if (controller.signal.aborted) return;
        store.replaceAll(presets);
        const first = sortPresets(presets)[0];
        if (first) {
          dispatch({ type: "loadPreset", preset: first });
        } else {
          const firstOf = (kind: SampleKind) => data.samples.find((sample) => sample.kind === kind)?.key ?? null;
          dispatch({ type: "setSample", slot: "kickKey", key: firstOf("KICK") });
          dispatch({ type: "setSample", slot: "noiseKey", key: firstOf("NOISE") });
          dispatch({ type: "setSample", slot: "reverbKey", key: firstOf("IMPULSE_RESPONSE") });
        }
        setPresetsReady(true);
      });
    library.loadAll(data.samples, sharedAudioContext(), controller.signal).then((failures) => {
      if (controller.signal.aborted) return;
      setLoadFailures(failures);
      setSamplesReady(true);
    });
    return () => controller.abort();
    // store.replaceAll and dispatch are stable; the start-up runs once per answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, library, client]);

  return { presetsReady, samplesReady, loadFailures };
}
