/**
 * The DAW screen, mounted by StartupGate once the start-up answer is in. State flows one way: the
 * reducer holds mode + settings, useEngine turns them into sound, and each strip is a component
 * fed with values and callbacks.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { useClient, useMutation } from "urql";
import { SampleLibrary, type SampleKind } from "./audio/library";
import type { ParamId, ParamSpecs } from "./audio/params";
import { AccountBar } from "./components/AccountBar";
import { AuthDialog, type AuthTab } from "./components/AuthDialog";
import { ControlStrip } from "./components/ControlStrip";
import { Header } from "./components/Header";
import { KickSelectah } from "./components/KickSelectah";
import { dawLoadingSteps, LoadingOverlay } from "./components/LoadingOverlay";
import { type SelectahOption } from "./components/Selectah";
import { Layers } from "./daw/Layers";
import { useStartup } from "./daw/useStartup";
import { installDebugHook } from "./debugHook";
import type { StartupQuery as StartupData, UserFieldsFragment } from "./gql/graphql";
import { LogoutMutation } from "./graphql/operations";
import { useEngine } from "./hooks/useEngine";
import { useHotkeys, type Hotkey } from "./hooks/useHotkeys";
import { BackgroundGeneration } from "./kickgen/BackgroundGeneration";
import { KickGenBar } from "./kickgen/KickGenBar";
import { BackToDawButton, GenerateAiKickButton } from "./kickgen/ModeButtons";
import { QuotaStatus, StatusRow } from "./kickgen/StatusRow";
import { useKickGenMode } from "./kickgen/useKickGenMode";
import { cyclePreset } from "./presets/presets";
import { PresetsBar } from "./presets/PresetsBar";
import { loadAllPresets, usePresets } from "./presets/usePresets";
import { dawReducer, initialDawState, type SampleSlot } from "./state/daw";

type Sample = StartupData["samples"][number];

function optionsOf(samples: readonly Sample[], kind: SampleKind): SelectahOption[] {
  return samples.filter((sample) => sample.kind === kind).map((sample) => ({ key: sample.key, name: sample.name }));
}

export interface AppProps {
  /** Who is logged in, the stock samples and the first page of presets. */
  startup: StartupData;
  /** Every parameter's spec, built from the same answer's presetParameters. */
  params: ParamSpecs;
}

export function App({ startup, params }: AppProps) {
  const client = useClient();
  const [, logout] = useMutation(LogoutMutation);
  const library = useMemo(() => new SampleLibrary(), []);
  // Undefined until a login or logout here; before that the start-up answer says who is logged in.
  const [sessionUser, setUser] = useState<UserFieldsFragment | null | undefined>(undefined);
  const [authTab, setAuthTab] = useState<AuthTab | null>(null);
  const store = usePresets();
  const [state, dispatch] = useReducer(dawReducer, params, initialDawState);
  const { presetsReady, samplesReady, loadFailures } = useStartup(client, startup, library, store, dispatch);
  const transport = useEngine(library, state.settings, samplesReady);
  const settingsRef = useRef(state.settings);
  useEffect(() => {
    settingsRef.current = state.settings;
  }, [state.settings]);
  const user = sessionUser === undefined ? startup.me : sessionUser;

  const refreshPresets = useCallback(async () => {
    // Unreachable server: the list stays as it was.
    const presets = await loadAllPresets(client).catch(() => null);
    if (presets) store.replaceAll(presets);
  }, [client, store]);

  const samplesChanged = useCallback(() => transport.engine?.samplesChanged(), [transport.engine]);
  // A kick that landed with autoplay on: played once as soon as the engine holds it (set as the
  // kick is loaded into the sampler, so the effect below runs once the sampler has it).
  const audition = useRef<string | null>(null);
  const requestAudition = useCallback((key: string) => {
    audition.current = key;
  }, []);
  useEffect(() => {
    const key = audition.current;
    const engine = transport.engine;
    if (key === null || !engine) return;
    // Another kick took the sampler first: this one is not played any more.
    if (state.settings.kickKey === key && engine.getSettings().kickKey === key) engine.audition();
    audition.current = null;
  }, [transport.engine, state.settings.kickKey]);
  const kickGen = useKickGenMode({ library, memberId: user?.id ?? null, state, dispatch, onSamplesChanged: samplesChanged, onPresetsDeleted: refreshPresets, audition: requestAudition });
  const { aiKicks, generation, aiKickId } = kickGen;

  const samples = startup.samples;
  const stockKicks = useMemo(() => optionsOf(samples, "KICK"), [samples]);
  const noises = useMemo(() => optionsOf(samples, "NOISE"), [samples]);
  const impulseResponses = useMemo(() => optionsOf(samples, "IMPULSE_RESPONSE"), [samples]);

  const engineRef = useRef(transport.engine);
  useEffect(() => {
    engineRef.current = transport.engine;
  }, [transport.engine]);
  useEffect(() => installDebugHook(library, () => settingsRef.current, () => engineRef.current), [library]);

  useEffect(() => {
    transport.engine?.samplesChanged();
  }, [transport.engine, samplesReady]);

  const setParam = useCallback((id: ParamId, value: number) => dispatch({ type: "setParam", id, value }), []);
  const setSample = useCallback((slot: SampleSlot, key: string) => dispatch({ type: "setSample", slot, key }), []);
  const stepPreset = useCallback(
    (direction: 1 | -1) => {
      const next = cyclePreset(store.presets, state.presetId, direction);
      if (next) dispatch({ type: "loadPreset", preset: next });
    },
    [store.presets, state.presetId],
  );
  const step = state.mode === "kickGen" ? kickGen.step : stepPreset;

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

  const loadingSteps = dawLoadingSteps({
    presets: presetsReady,
    samples: samplesReady,
    engine: transport.engine !== null,
    // Only for a member logged in at start-up: a later login loads the kicks behind the open DAW.
    aiKicks: startup.me ? sessionUser !== undefined || aiKicks.ready : undefined,
  });
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
            onSelect={kickGen.loadAiKick}
            onStep={kickGen.step}
            onGenerate={kickGen.generateNew}
            onRetry={() => void generation.retry()}
            onDismiss={generation.dismiss}
            onDelete={kickGen.deleteKick}
            vocabulary={kickGen.vocabulary}
            words={kickGen.words}
            onWords={kickGen.setWords}
            settings={aiKicks.settings}
            onAutoplay={kickGen.setAutoplay}
            onVary={kickGen.vary}
            onSample={kickGen.fromSample}
          />
        ) : (
          <PresetsBar
            presets={store.presets}
            currentId={state.presetId}
            modified={state.modified}
            canSave={user !== null}
            nameRule={startup.presetNameRule}
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
          bpmSpec={params.bpm}
          onBpm={(bpm) => setParam("bpm", bpm)}
          onTogglePlay={transport.togglePlay}
          onCueStart={transport.startCue}
          onCueEnd={transport.endCue}
        />
        <Layers
          params={params}
          settings={state.settings}
          kickBadge={state.mode === "daw" && user ? <BackgroundGeneration generation={generation.state} landed={kickGen.landedKick} onOpen={kickGen.enter} /> : null}
          kickSelector={
            state.mode === "kickGen" ? (
              <BackToDawButton onClick={kickGen.leave} />
            ) : (
              <KickSelectah value={state.settings.kickKey} stockKicks={stockKicks} aiKicks={kickGen.aiKickOptions} onChange={(key) => setSample("kickKey", key)} />
            )
          }
          noises={noises}
          impulseResponses={impulseResponses}
          onParam={setParam}
          onSample={setSample}
        />
        {user && state.mode === "daw" && <GenerateAiKickButton loading={!aiKicks.ready} onClick={kickGen.enter} />}
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
          kickGen.forget();
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
      {!ready && <LoadingOverlay steps={loadingSteps} error={transport.error} />}
    </div>
  );
}
