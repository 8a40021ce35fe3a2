/**
 * One kick generation at a time: subscribes to kickGeneration(requestId) first, then sends
 * generateKick with that request id and the chosen words (a variation: the kick or the sample it
 * varies, and the strength), turning progress events into the bar's state and the answer into a
 * new kick, a refusal or a retryable error. "Try again" repeats the last request.
 */
import { useCallback, useRef, useState } from "react";
import { useClient } from "urql";
import {
  capMessage,
  capReached,
  generationOutcome,
  newRequestId,
  progressView,
  QUEUED_PROGRESS,
  type AiKick,
  type GenerationState,
  type KickQuota,
} from "./kicks";
import { GenerateKickMutation, KickGenerationSubscription } from "./operations";

/** What to generate: a new kick from the prompt, or a variation of a kick or of a sample (sent as a multipart upload). */
export interface GenerationRequest {
  prompt: string;
  variationOf?: string;
  strength?: number;
  reference?: File;
}

export interface KickGeneration {
  state: GenerationState;
  generate: (request: GenerationRequest) => Promise<void>;
  /** The last request again, with a new request id. */
  retry: () => Promise<void>;
  /** Shows a refusal found before anything was sent (a sample too big to upload). */
  refuse: (message: string) => void;
  /** Clears a refusal or error message. */
  dismiss: () => void;
}

export interface KickGenerationOptions {
  quota: KickQuota | null;
  updateQuota: (update: Partial<KickQuota>) => void;
  /** Called with the stored kick; resolves once it is decoded and listed, rejects when its audio cannot be loaded. */
  onGenerated: (kick: AiKick) => Promise<void>;
}

export function useKickGeneration({ quota, updateQuota, onGenerated }: KickGenerationOptions): KickGeneration {
  const client = useClient();
  const [state, setState] = useState<GenerationState>({ status: "idle" });
  const running = useRef(false);
  const last = useRef<GenerationRequest | null>(null);

  const generate = useCallback(async (request: GenerationRequest) => {
    if (running.current) return;
    // The cap is known here; the daily limit is left to the server, whose day may have rolled over.
    if (quota && capReached(quota)) {
      setState({ status: "refused", message: capMessage(quota) });
      return;
    }
    running.current = true;
    last.current = request;
    const requestId = newRequestId();
    let progress = QUEUED_PROGRESS;
    setState({ status: "running", progress });
    // Subscribed before the mutation is sent; the server also replays the current stage to a late subscriber.
    const subscription = client.subscription(KickGenerationSubscription, { requestId }).subscribe((result) => {
      const event = result.data?.kickGeneration;
      if (!event || event.stage === "FAILED") return;
      progress = progressView(event, progress);
      setState((current) => (current.status === "running" ? { status: "running", progress } : current));
    });
    try {
      const result = await client.mutation(GenerateKickMutation, { requestId, ...request }).toPromise();
      const outcome = generationOutcome(result.data?.generateKick, progress);
      updateQuota(outcome.quota);
      setState(outcome.state);
      if (outcome.kick) {
        try {
          await onGenerated(outcome.kick);
          setState({ status: "idle" });
        } catch (reason) {
          const detail = reason instanceof Error ? reason.message : String(reason);
          setState({ status: "failed", message: `${outcome.kick.name} was generated but its audio could not be loaded (${detail}).`, retryable: false });
        }
      }
    } finally {
      subscription.unsubscribe();
      running.current = false;
    }
  }, [client, quota, updateQuota, onGenerated]);

  const retry = useCallback(async () => {
    if (last.current) await generate(last.current);
  }, [generate]);

  const dismiss = useCallback(() => setState((current) => (current.status === "running" || current.status === "loading" ? current : { status: "idle" })), []);

  const refuse = useCallback((message: string) => setState((current) => (current.status === "running" || current.status === "loading" ? current : { status: "refused", message })), []);

  return { state, generate, retry, refuse, dismiss };
}
