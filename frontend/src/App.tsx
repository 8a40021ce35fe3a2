/**
 * The DAW screen. State flows one way: the reducer holds mode + settings, useEngine turns them
 * into sound, and each strip is a component fed with values and callbacks.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { useClient, useMutation, useQuery } from "urql";
import { sharedAudioContext } from "./audio/context";
import { aiKickKey, SampleLibrary, type LoadFailure, type SampleKind } from "./audio/library";
import { PARAMS, type ParamId } from "./audio/params";
import { AccountBar } from "./components/AccountBar";
import { AuthDialog, type AuthTab } from "./components/AuthDialog";
import { ControlStrip } from "./components/ControlStrip";
import { Header } from "./components/Header";
import { KickSelectah } from "./components/KickSelectah";
import { Knob } from "./components/Knob";
import { LoadingOverlay } from "./components/LoadingOverlay";
import { PresetsBar } from "./components/PresetsBar";
import { Selectah, type SelectahOption } from "./components/Selectah";
import { Strip } from "./components/Strip";
import { installDebugHook } from "./debugHook";
import type { StartupQuery as StartupData, UserFieldsFragment } from "./gql/graphql";
import { LogoutMutation, StartupQuery } from "./graphql/operations";
import { useEngine } from "./hooks/useEngine";
import { useHotkeys, type Hotkey } from "./hooks/useHotkeys";
import { loadAllPresets, usePresets } from "./hooks/usePresets";
import { BackgroundGeneration } from "./kickgen/BackgroundGeneration";
import { cycleKick, kickIdOfKey, successorOf, type AiKick } from "./kickgen/kicks";
import { KickGenBar } from "./kickgen/KickGenBar";
import { BackToDawButton, GenerateAiKickButton } from "./kickgen/ModeButtons";
import { QuotaStatus, StatusRow } from "./kickgen/StatusRow";
import { useAiKicks } from "./kickgen/useAiKicks";
import { useKickGeneration } from "./kickgen/useKickGeneration";
import { dawReducer, initialDawState, type SampleSlot } from "./state/daw";
import { cyclePreset, sortPresets } from "./state/presets";

type Sample = StartupData["samples"][number];

function optionsOf(samples: readonly Sample[], kind: SampleKind): SelectahOption[] {
  return samples.filter((sample) => sample.kind === kind).map((sample) => ({ key: sample.key, name: sample.name }));
}

export function App() {
  const client = useClient();
  const [startup] = useQuery({ query: StartupQuery });
  const [, logout] = useMutation(LogoutMutation);
  const library = useMemo(() => new SampleLibrary(), []);
  const [samplesReady, setSamplesReady] = useState(false);
  const [presetsReady, setPresetsReady] = useState(false);
  const [loadFailures, setLoadFailures] = useState<LoadFailure[]>([]);
  // Undefined until a login or logout here; before that the start-up answer says who is logged in.
  const [sessionUser, setUser] = useState<UserFieldsFragment | null | undefined>(undefined);
  const [authTab, setAuthTab] = useState<AuthTab | null>(null);
  const store = usePresets();
  const [state, dispatch] = useReducer(dawReducer, undefined, () => initialDawState());
  const transport = useEngine(library, state.settings, samplesReady);
  const settingsRef = useRef(state.settings);
  useEffect(() => {
    settingsRef.current = state.settings;
  }, [state.settings]);
  const user = sessionUser === undefined ? (startup.data?.me ?? null) : sessionUser;
  const modeRef = useRef(state.mode);
  useEffect(() => {
    modeRef.current = state.mode;
  }, [state.mode]);

  // AI Kick Gen mode: the member's kicks decoded into the library as `ai:<id>`, and generation.
  const aiKicksChanged = useCallback(() => transport.engine?.samplesChanged(), [transport.engine]);
  const aiKicks = useAiKicks(library, user?.id ?? null, aiKicksChanged);
  const { addGenerated } = aiKicks;
  const aiKickId = kickIdOfKey(state.settings.kickKey);
  const loadAiKick = useCallback((kick: AiKick | null) => dispatch({ type: "setSample", slot: "kickKey", key: kick ? aiKickKey(kick.id) : null }), []);
  // A kick that landed while the producer was back in the DAW: announced there, selected on return.
  const [landedId, setLandedId] = useState<string | null>(null);
  const onKickGenerated = useCallback(
    async (kick: AiKick) => {
      try {
        await addGenerated(kick);
      } finally {
        // Into the sampler if the producer is still in Kick Gen mode; otherwise it waits in the Selectah.
        if (modeRef.current === "kickGen") loadAiKick(kick);
        else setLandedId(kick.id);
      }
    },
    [addGenerated, loadAiKick],
  );
  const generation = useKickGeneration({ quota: aiKicks.quota, updateQuota: aiKicks.updateQuota, onGenerated: onKickGenerated });
  const aiKickOptions = useMemo(() => aiKicks.kicks.map((kick) => ({ key: aiKickKey(kick.id), name: kick.name })), [aiKicks.kicks]);
  const landedKick = aiKicks.kicks.find((kick) => kick.id === landedId) ?? null;
  // Entering keeps every setting but the kick: the one that landed while away, else the first AI
  // kick alphabetically, or an empty sampler.
  const enterKickGen = () => {
    loadAiKick(landedKick ?? aiKicks.kicks[0] ?? null);
    setLandedId(null);
    dispatch({ type: "setMode", mode: "kickGen" });
  };
  // Leaving keeps everything, the AI kick in the sampler included (the Selectah then shows it).
  const leaveKickGen = () => dispatch({ type: "setMode", mode: "daw" });

  const samples = useMemo(() => startup.data?.samples ?? [], [startup.data]);
  const stockKicks = useMemo(() => optionsOf(samples, "KICK"), [samples]);
  const noises = useMemo(() => optionsOf(samples, "NOISE"), [samples]);
  const impulseResponses = useMemo(() => optionsOf(samples, "IMPULSE_RESPONSE"), [samples]);

  // Start-up: the user, the presets (the first page came with the start-up answer, the rest
  // follow), then every stock sample decoded into the library.
  useEffect(() => {
    const data = startup.data;
    if (!data) return;
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
    // store.replaceAll is stable; the start-up runs once per answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [startup.data, library, client]);

  useEffect(() => installDebugHook(library, () => settingsRef.current), [library]);

  useEffect(() => {
    transport.engine?.samplesChanged();
  }, [transport.engine, samplesReady]);

  const refreshPresets = useCallback(async () => {
    // Unreachable server: the list stays as it was.
    const presets = await loadAllPresets(client).catch(() => null);
    if (presets) store.replaceAll(presets);
  }, [client, store]);

  const setParam = useCallback((id: ParamId, value: number) => dispatch({ type: "setParam", id, value }), []);
  const setSample = useCallback((slot: SampleSlot, key: string) => dispatch({ type: "setSample", slot, key }), []);
  const stepPreset = useCallback(
    (direction: 1 | -1) => {
      const next = cyclePreset(store.presets, state.presetId, direction);
      if (next) dispatch({ type: "loadPreset", preset: next });
    },
    [store.presets, state.presetId],
  );
  const stepAiKick = (direction: 1 | -1) => {
    const next = cycleKick(aiKicks.kicks, aiKickId, direction);
    if (next) loadAiKick(next);
  };
  const step = state.mode === "kickGen" ? stepAiKick : stepPreset;

  const hotkeys: Hotkey[] = [
    { keys: [" "], label: "Space", description: "Play / stop", onDown: transport.togglePlay },
    { keys: ["c", "C"], label: "C (hold)", description: "Cue: plays while held", onDown: transport.startCue, onUp: transport.endCue },
    { keys: ["ArrowLeft"], label: "←", description: "Previous preset (AI kick in Kick Gen mode)", onDown: () => step(-1) },
    { keys: ["ArrowRight"], label: "→", description: "Next preset (AI kick in Kick Gen mode)", onDown: () => step(1) },
    {
      keys: ["ArrowUp", "ArrowDown"],
      label: "↑ ↓",
      description: "Tempo ±1 BPM (Shift: ±10)",
      onDown: (event) => setParam("bpm", state.settings.bpm + (event.key === "ArrowUp" ? 1 : -1) * (event.shiftKey ? 10 : 1)),
    },
  ];
  useHotkeys(hotkeys);

  const knob = (id: ParamId, layer: string) => (
    <Knob key={id} id={`knob-${id}`} spec={PARAMS[id]} value={state.settings[id]} onChange={(value) => setParam(id, value)} label={PARAMS[id].label} ariaLabel={`${layer} ${PARAMS[id].label.toLowerCase()}`} />
  );

  const loadingSteps = [
    { label: "Loading the presets", done: presetsReady },
    { label: "Loading the sample library", done: samplesReady },
    { label: "Starting the audio engine", done: transport.engine !== null },
    // Only for a member logged in at start-up: a later login loads the kicks behind the open DAW.
    ...(startup.data?.me ? [{ label: "Loading your AI kicks", done: sessionUser !== undefined || aiKicks.ready }] : []),
  ];
  const fatal = startup.error?.message ?? transport.error;
  const ready = loadingSteps.every((step) => step.done);

  return (
    <div className={`app app--${state.mode}`}>
      <Header title={state.mode === "kickGen" ? "AI KICK GEN MODE" : "KICK WITH REVERB"} hotkeys={hotkeys} username={user?.username ?? null} />
      <main className="daw">
        {state.mode === "kickGen" ? (
          <KickGenBar
            kicks={aiKicks.kicks}
            selectedId={aiKickId}
            quota={aiKicks.quota}
            generation={generation.state}
            onSelect={loadAiKick}
            onStep={stepAiKick}
            onGenerate={() => void generation.generate()}
            onDismiss={generation.dismiss}
            onDelete={async (kick, confirmed) => {
              const successor = successorOf(aiKicks.kicks, kick.id);
              const outcome = await aiKicks.remove(kick.id, confirmed !== null);
              if (outcome.status === "deleted") {
                if (aiKickId === kick.id) loadAiKick(successor);
                if (confirmed && confirmed.length > 0) {
                  for (const preset of confirmed) dispatch({ type: "presetDeleted", id: preset.id });
                  await refreshPresets();
                }
              }
              return outcome;
            }}
          />
        ) : (
          <PresetsBar
            presets={store.presets}
            currentId={state.presetId}
            modified={state.modified}
            canSave={user !== null}
            onSelect={(preset) => dispatch({ type: "loadPreset", preset })}
            onStep={stepPreset}
            onSave={async (name) => {
              const outcome = await store.save(name, state.settings);
              if (outcome.ok) dispatch({ type: "presetSaved", preset: outcome.preset });
              return outcome;
            }}
            onDelete={async (id) => {
              const outcome = await store.remove(id);
              if (outcome.ok) dispatch({ type: "presetDeleted", id });
              return outcome;
            }}
          />
        )}
        {/* AI Kick Gen mode has this row inside its bar: a member's transport stays put across modes. */}
        {user && state.mode === "daw" && (
          <StatusRow>
            <QuotaStatus quota={aiKicks.quota} />
          </StatusRow>
        )}
        <ControlStrip
          engine={transport.engine}
          playing={transport.playing}
          cueing={transport.cueing}
          bpm={state.settings.bpm}
          onBpm={(bpm) => setParam("bpm", bpm)}
          onTogglePlay={transport.togglePlay}
          onCueStart={transport.startCue}
          onCueEnd={transport.endCue}
        />
        <div className="layers">
          <Strip
            title="Kick"
            accent="kick"
            badge={state.mode === "daw" && user ? <BackgroundGeneration generation={generation.state} landed={landedKick} onOpen={enterKickGen} /> : null}
            selector={
              state.mode === "kickGen" ? (
                <BackToDawButton onClick={leaveKickGen} />
              ) : (
                <KickSelectah value={state.settings.kickKey} stockKicks={stockKicks} aiKicks={aiKickOptions} onChange={(key) => setSample("kickKey", key)} />
              )
            }
          >
            {knob("kickLength", "Kick")}
            {knob("kickDistortion", "Kick")}
            {knob("kickOtt", "Kick")}
          </Strip>
          <Strip
            title="Noise"
            accent="noise"
            selector={<Selectah id="noise-selectah" label="Noise sample" value={state.settings.noiseKey} groups={[{ label: "Noise", options: noises }]} onChange={(key) => setSample("noiseKey", key)} />}
          >
            {knob("noiseLowPass", "Noise")}
            {knob("noiseHighPass", "Noise")}
            {knob("noiseVolume", "Noise")}
          </Strip>
          <Strip
            title="Reverb"
            accent="reverb"
            selector={
              <Selectah id="reverb-selectah" label="Reverb impulse response" value={state.settings.reverbKey} groups={[{ label: "Impulse responses", options: impulseResponses }]} onChange={(key) => setSample("reverbKey", key)} />
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
        {user && state.mode === "daw" && <GenerateAiKickButton loading={!aiKicks.ready} onClick={enterKickGen} />}
        {loadFailures.length > 0 && (
          <p className="notice notice--warning" role="alert">
            {loadFailures.length} sample{loadFailures.length === 1 ? "" : "s"} could not be loaded: {loadFailures.map((failure) => failure.key).join(", ")}
          </p>
        )}
        {aiKicks.failures.length > 0 && (
          <p className="notice notice--warning" role="alert">
            Could not load {aiKicks.failures.map((failure) => failure.name).join(", ")}. The rest of your AI kicks are ready.
          </p>
        )}
      </main>
      <AccountBar
        username={user?.username ?? null}
        onOpenAuth={setAuthTab}
        onLogout={async () => {
          await logout({});
          setUser(null);
          setLandedId(null);
          dispatch({ type: "setMode", mode: "daw" });
          if (aiKickId !== null) dispatch({ type: "setSample", slot: "kickKey", key: stockKicks[0]?.key ?? null });
          await refreshPresets();
        }}
      />
      {authTab && (
        <AuthDialog
          initialTab={authTab}
          onClose={() => setAuthTab(null)}
          onAuthenticated={(member) => {
            setUser(member);
            setAuthTab(null);
            void refreshPresets();
          }}
        />
      )}
      {!ready && <LoadingOverlay steps={loadingSteps} error={fatal ?? null} />}
    </div>
  );
}
