/**
 * Owns the live AudioEngine: creates it once the sample library is loaded, hands it every settings
 * change and exposes the transport. Components get callbacks and state, never audio nodes.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { sharedAudioContext } from "../audio/context";
import { AudioEngine } from "../audio/engine";
import type { SampleLibrary } from "../audio/library";
import type { DawSettings } from "../audio/params";

export interface Transport {
  engine: AudioEngine | null;
  error: string | null;
  playing: boolean;
  cueing: boolean;
  togglePlay: () => void;
  startCue: () => void;
  endCue: () => void;
}

export function useEngine(library: SampleLibrary, settings: DawSettings, samplesReady: boolean): Transport {
  const [engine, setEngine] = useState<AudioEngine | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const [cueing, setCueing] = useState(false);
  // Read by endCue, which may run before a re-render has seen the cue start.
  const cueingRef = useRef(false);
  useEffect(() => {
    cueingRef.current = cueing;
  }, [cueing]);
  const settingsRef = useRef(settings);
  useEffect(() => {
    settingsRef.current = settings;
  }, [settings]);

  useEffect(() => {
    if (!samplesReady) return;
    let disposed = false;
    let created: AudioEngine | null = null;
    AudioEngine.create(sharedAudioContext(), library, settingsRef.current, { live: true }).then(
      (instance) => {
        if (disposed) return instance.dispose();
        created = instance;
        setEngine(instance);
      },
      (reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)),
    );
    return () => {
      disposed = true;
      created?.dispose();
    };
  }, [library, samplesReady]);

  useEffect(() => {
    engine?.update(settings);
  }, [engine, settings]);

  const start = useCallback(() => {
    if (!engine) return;
    const context = engine.context;
    if (context instanceof AudioContext && context.state !== "running") void context.resume();
    engine.play();
  }, [engine]);

  const togglePlay = useCallback(() => {
    if (!engine) return;
    if (engine.isPlaying) {
      engine.stop();
      setPlaying(false);
      cueingRef.current = false;
      setCueing(false);
    } else {
      start();
      setPlaying(true);
    }
  }, [engine, start]);

  // Cue plays only while held, and never interrupts a loop that was already playing.
  const startCue = useCallback(() => {
    if (!engine || engine.isPlaying) return;
    start();
    cueingRef.current = true;
    setCueing(true);
  }, [engine, start]);

  const endCue = useCallback(() => {
    if (!cueingRef.current) return;
    engine?.stop();
    setCueing(false);
  }, [engine]);

  return { engine, error, playing, cueing, togglePlay, startCue, endCue };
}
