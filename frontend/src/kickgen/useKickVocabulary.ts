/**
 * The words the deployed kick model understands (kickVocabulary), fetched once per member the
 * first time AI Kick Gen mode is open; when the generator cannot say, the chips are left out and
 * one click still generates the model's default sound.
 */
import { useCallback, useEffect, useState } from "react";
import { useClient } from "urql";
import { NETWORK_PROBLEM } from "./kicks";
import { KickVocabularyQuery } from "./operations";
import type { KickVocabulary } from "./words";

export type VocabularyState = { status: "loading" } | { status: "ready"; vocabulary: KickVocabulary } | { status: "unavailable"; message: string };

export function useKickVocabulary(memberId: string | null, wanted: boolean): VocabularyState & { reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<{ memberId: string; value: VocabularyState } | null>(null);
  const [attempt, setAttempt] = useState(0);
  const needed = wanted && memberId !== null && (state === null || state.memberId !== memberId);

  useEffect(() => {
    if (!needed || memberId === null) return;
    let current = true;
    void client
      .query(KickVocabularyQuery, {}, { requestPolicy: "network-only" })
      .toPromise()
      .then((result) => {
        if (!current) return;
        const answer = result.data?.kickVocabulary;
        const value: VocabularyState =
          answer?.__typename === "KickVocabulary"
            ? { status: "ready", vocabulary: answer }
            : { status: "unavailable", message: answer?.__typename === "GenerationUnavailable" ? answer.message : NETWORK_PROBLEM };
        setState({ memberId, value });
      });
    return () => {
      current = false;
    };
  }, [client, memberId, needed, attempt]);

  const reload = useCallback(() => {
    setState(null);
    setAttempt((count) => count + 1);
  }, []);

  const value = state !== null && state.memberId === memberId ? state.value : { status: "loading" as const };
  return { ...value, reload };
}
