/**
 * AI Kick Gen mode as the DAW uses it: the member's kicks and generation, which kick the sampler
 * holds, entering and leaving the mode, stepping through the kicks and deleting one (with the
 * presets that use it); the keyword chips and what to generate (a new kick, more like a kick, a
 * kick from a sample); a new kick played once as it lands, when the member wants that.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type Dispatch } from "react";
import { aiKickKey, type SampleLibrary } from "../audio/library";
import type { SelectahOption } from "../components/Selectah";
import type { DawAction, DawState } from "../state/daw";
import { cycleKick, kickIdOfKey, successorOf, type AiKick } from "./kicks";
import { useAiKicks, type AffectedPreset, type AiKickStore, type DeleteKickOutcome } from "./useAiKicks";
import { useKickGeneration, type KickGeneration } from "./useKickGeneration";
import { useKickVocabulary, type VocabularyState } from "./useKickVocabulary";
import { chosenWords, promptOf } from "./words";

export interface KickGenMode {
  aiKicks: AiKickStore;
  generation: KickGeneration;
  /** The AI kick in the sampler, if it holds one. */
  aiKickId: string | null;
  /** A kick that landed while the producer was back in the DAW. */
  landedKick: AiKick | null;
  aiKickOptions: SelectahOption[];
  loadAiKick: (kick: AiKick | null) => void;
  enter: () => void;
  leave: () => void;
  step: (direction: 1 | -1) => void;
  /** `confirmed` lists the presets the member agreed to delete with the kick; null asks first. */
  deleteKick: (kick: AiKick, confirmed: readonly AffectedPreset[] | null) => Promise<DeleteKickOutcome>;
  /** After a logout: nothing is waiting to be announced. */
  forget: () => void;
  vocabulary: VocabularyState & { reload: () => void };
  /** The chosen keyword chips (the model's default prompt until the member chooses). */
  words: string[];
  setWords: (words: string[]) => void;
  autoplay: boolean;
  setAutoplay: (on: boolean) => void;
  /** A new kick from the chosen words. */
  generateNew: () => void;
  /** More like `kick`, with its own prompt. */
  vary: (kick: AiKick, strength: number) => void;
  /** A kick from the member's sample, with the chosen words; refused here when the file is too big to send. */
  fromSample: (file: File, strength: number) => void;
}

export interface KickGenModeOptions {
  library: SampleLibrary;
  memberId: string | null;
  state: DawState;
  dispatch: Dispatch<DawAction>;
  onSamplesChanged: () => void;
  /** Presets went with a deleted kick: the list is fetched again. */
  onPresetsDeleted: () => Promise<void>;
  /** Play the kick with this engine key once through the chain (autoplay of a kick that landed). */
  audition: (key: string) => void;
}

export function useKickGenMode({ library, memberId, state, dispatch, onSamplesChanged, onPresetsDeleted, audition }: KickGenModeOptions): KickGenMode {
  const modeRef = useRef(state.mode);
  useEffect(() => {
    modeRef.current = state.mode;
  }, [state.mode]);

  // The member's kicks decoded into the library as `ai:<id>`, and generation.
  const aiKicks = useAiKicks(library, memberId, onSamplesChanged);
  const { addGenerated, settings, savePreferences } = aiKicks;
  const autoplay = settings?.preferences.autoplay ?? true;
  const autoplayRef = useRef(autoplay);
  useEffect(() => {
    autoplayRef.current = autoplay;
  }, [autoplay]);
  const aiKickId = kickIdOfKey(state.settings.kickKey);
  const loadAiKick = useCallback((kick: AiKick | null) => dispatch({ type: "setSample", slot: "kickKey", key: kick ? aiKickKey(kick.id) : null }), [dispatch]);
  // A kick that landed while the producer was back in the DAW: announced there, selected on return.
  const [landedId, setLandedId] = useState<string | null>(null);
  const onKickGenerated = useCallback(
    async (kick: AiKick) => {
      try {
        await addGenerated(kick);
      } finally {
        // Into the sampler if the producer is still in Kick Gen mode; otherwise it waits in the Selectah.
        if (modeRef.current === "kickGen") {
          loadAiKick(kick);
          if (autoplayRef.current && library.get(aiKickKey(kick.id))) audition(aiKickKey(kick.id));
        } else setLandedId(kick.id);
      }
    },
    [addGenerated, loadAiKick, audition, library],
  );
  const generation = useKickGeneration({ quota: aiKicks.quota, updateQuota: aiKicks.updateQuota, onGenerated: onKickGenerated });
  const vocabulary = useKickVocabulary(memberId, state.mode === "kickGen");
  const known = vocabulary.status === "ready" ? vocabulary.vocabulary : null;
  const remembered = settings?.preferences.words ?? null;
  const words = useMemo(() => (known ? chosenWords(remembered, known) : []), [known, remembered]);
  const { generate } = generation;
  const aiKickOptions = useMemo(() => aiKicks.kicks.map((kick) => ({ key: aiKickKey(kick.id), name: kick.name })), [aiKicks.kicks]);
  const landedKick = aiKicks.kicks.find((kick) => kick.id === landedId) ?? null;

  return {
    aiKicks,
    generation,
    aiKickId,
    landedKick,
    aiKickOptions,
    loadAiKick,
    // Entering keeps every setting but the kick: the one that landed while away, else the first AI
    // kick alphabetically, or an empty sampler.
    enter: () => {
      loadAiKick(landedKick ?? aiKicks.kicks[0] ?? null);
      setLandedId(null);
      dispatch({ type: "setMode", mode: "kickGen" });
    },
    // Leaving keeps everything, the AI kick in the sampler included (the Selectah then shows it).
    leave: () => dispatch({ type: "setMode", mode: "daw" }),
    step: (direction) => {
      const next = cycleKick(aiKicks.kicks, aiKickId, direction);
      if (next) loadAiKick(next);
    },
    deleteKick: async (kick, confirmed) => {
      const successor = successorOf(aiKicks.kicks, kick.id);
      const outcome = await aiKicks.remove(kick.id, confirmed !== null);
      if (outcome.status === "deleted") {
        if (aiKickId === kick.id) loadAiKick(successor);
        if (confirmed && confirmed.length > 0) {
          for (const preset of confirmed) dispatch({ type: "presetDeleted", id: preset.id });
          await onPresetsDeleted();
        }
      }
      return outcome;
    },
    forget: () => setLandedId(null),
    vocabulary,
    words,
    setWords: (chosen) => savePreferences({ words: chosen }),
    autoplay,
    setAutoplay: (on) => savePreferences({ autoplay: on }),
    generateNew: () => void generate({ prompt: promptOf(words, known) }),
    vary: (kick, strength) => void generate({ prompt: kick.recipe.prompt, variationOf: kick.id, strength }),
    fromSample: (file, strength) => {
      if (settings && file.size > settings.referenceMaxBytes) generation.refuse(settings.referenceTooBigMessage);
      else void generate({ prompt: promptOf(words, known), reference: file, strength });
    },
  };
}
