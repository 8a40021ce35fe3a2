/**
 * The member's AI kicks in memory: listed alphabetically, their audio decoded into the engine's
 * sample library under `ai:<id>` (so they play like stock kicks), and the generation quota.
 * Loaded whenever a member logs in (or is logged in at start-up) and dropped on logout.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useClient } from "urql";
import { sharedAudioContext } from "../audio/context";
import { aiKickKey, type SampleLibrary } from "../audio/library";
import { NETWORK_PROBLEM, sortKicks, type AiKick, type KickGenSettings, type KickPreferences, type KickQuota } from "./kicks";
import { DeleteKickMutation, KickLibraryQuery, SaveKickPreferencesMutation } from "./operations";

export interface KickLoadFailure {
  name: string;
  error: string;
}

export interface AffectedPreset {
  id: string;
  name: string;
}

export type DeleteKickOutcome =
  | { status: "deleted"; kickId: string }
  | { status: "presetsAffected"; presets: AffectedPreset[] }
  | { status: "error"; message: string };

export interface AiKickStore {
  kicks: AiKick[];
  quota: KickQuota | null;
  /** The member's remembered chips and autoplay, and the server's limits for variations. */
  settings: KickGenSettings | null;
  /** False while a member's kicks are being fetched and decoded. */
  ready: boolean;
  failures: KickLoadFailure[];
  /** Decodes a newly generated kick into the library and lists it; throws when its audio cannot be loaded. */
  addGenerated: (kick: AiKick) => Promise<void>;
  updateQuota: (update: Partial<KickQuota>) => void;
  /** deleteKick; with `confirm` the presets using the kick go with it. */
  remove: (id: string, confirm: boolean) => Promise<DeleteKickOutcome>;
  /** Remembers chips or autoplay for the member (here at once, on the server as it answers). */
  savePreferences: (update: Partial<KickPreferences>) => void;
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

export function useAiKicks(library: SampleLibrary, memberId: string | null, onLibraryChanged: () => void): AiKickStore {
  const client = useClient();
  const [kicks, setKicks] = useState<AiKick[]>([]);
  const [quota, setQuota] = useState<KickQuota | null>(null);
  const [settings, setSettings] = useState<KickGenSettings | null>(null);
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const [failures, setFailures] = useState<KickLoadFailure[]>([]);
  const changed = useRef(onLibraryChanged);
  useEffect(() => {
    changed.current = onLibraryChanged;
  }, [onLibraryChanged]);

  useEffect(() => {
    if (memberId === null) return;
    const controller = new AbortController();
    let inLibrary: AiKick[] = [];
    void (async () => {
      const result = await client.query(KickLibraryQuery, {}, { requestPolicy: "network-only" }).toPromise();
      if (controller.signal.aborted) return;
      if (!result.data) {
        setFailures([{ name: "Your AI kicks", error: result.error?.message ?? NETWORK_PROBLEM }]);
        setLoadedFor(memberId);
        return;
      }
      const { kicks: fetched, preferences, variationStrength, referenceMaxBytes, referenceTooBigMessage, ...fetchedQuota } = result.data.kicks;
      inLibrary = fetched;
      const sources = fetched.map((kick) => ({ key: aiKickKey(kick.id), url: kick.audioUrl }));
      const loadFailures = await library.loadAll(sources, sharedAudioContext(), controller.signal);
      if (controller.signal.aborted) return;
      const nameOf = new Map(fetched.map((kick) => [aiKickKey(kick.id), kick.name]));
      // A kick whose audio failed stays listed so that it can still be downloaded or deleted.
      setFailures(loadFailures.map((failure) => ({ name: nameOf.get(failure.key) ?? failure.key, error: failure.error })));
      setKicks(sortKicks(fetched));
      setQuota(fetchedQuota);
      setSettings({ preferences, variationStrength, referenceMaxBytes, referenceTooBigMessage });
      setLoadedFor(memberId);
      changed.current();
    })();
    return () => {
      controller.abort();
      // Logout (or another member): their kicks leave memory.
      for (const kick of inLibrary) library.remove(aiKickKey(kick.id));
      setKicks([]);
      setQuota(null);
      setSettings(null);
      setFailures([]);
      setLoadedFor(null);
    };
  }, [client, library, memberId]);

  const addGenerated = useCallback(
    async (kick: AiKick) => {
      try {
        await library.load({ key: aiKickKey(kick.id), url: kick.audioUrl }, sharedAudioContext());
      } finally {
        // Listed even when its audio failed to load: it is stored and counts against the cap.
        setKicks((current) => sortKicks([...current.filter((item) => item.id !== kick.id), kick]));
        changed.current();
      }
    },
    [library],
  );

  const updateQuota = useCallback((update: Partial<KickQuota>) => {
    setQuota((current) => (current ? { ...current, ...update } : current));
  }, []);

  const remove = useCallback(
    async (id: string, confirm: boolean): Promise<DeleteKickOutcome> => {
      const result = await client.mutation(DeleteKickMutation, { id, confirm }).toPromise();
      const answer = result.data?.deleteKick;
      if (!answer) return { status: "error", message: result.error ? messageOf(result.error) : NETWORK_PROBLEM };
      switch (answer.__typename) {
        case "PresetsAffected":
          return { status: "presetsAffected", presets: answer.presets };
        case "KickNotFound":
          // Already gone (another tab): it leaves this one too.
          setKicks((current) => current.filter((kick) => kick.id !== id));
          library.remove(aiKickKey(id));
          return { status: "error", message: answer.message };
        case "DeleteKickSuccess":
          setKicks((current) => current.filter((kick) => kick.id !== answer.deletedId));
          setQuota((current) => (current ? { ...current, totalGensCount: answer.totalGensCount } : current));
          library.remove(aiKickKey(answer.deletedId));
          return { status: "deleted", kickId: answer.deletedId };
      }
    },
    [client, library],
  );

  const savePreferences = useCallback(
    (update: Partial<KickPreferences>) => {
      setSettings((current) => (current ? { ...current, preferences: { ...current.preferences, ...update } } : current));
      // A preference that does not reach the server stays for this visit; nothing else depends on it.
      void client.mutation(SaveKickPreferencesMutation, update).toPromise();
    },
    [client],
  );

  return {
    kicks,
    quota,
    settings,
    savePreferences,
    ready: memberId === null || loadedFor === memberId,
    failures,
    addGenerated,
    updateQuota,
    remove,
  };
}
