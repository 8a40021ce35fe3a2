/**
 * Pure rules of AI Kick Gen mode: the order of the member's kicks, stepping through them, what the
 * quota notices say and how generation progress reads on screen.
 */
import { aiKickKey } from "../audio/library";
import type { GenerateKickMutation, GenerationStage, KickFieldsFragment, KickGenerationSubscription, KickLibraryQuery } from "../gql/graphql";

export type AiKick = KickFieldsFragment;

type LibraryAnswer = KickLibraryQuery["kicks"];
export type KickPreferences = LibraryAnswer["preferences"];

/** What AI Kick Gen mode keeps besides kicks and quota: the member's preferences and the server's variation limits. */
export interface KickGenSettings {
  preferences: KickPreferences;
  variationStrength: LibraryAnswer["variationStrength"];
  referenceMaxBytes: number;
  referenceTooBigMessage: string;
}

export interface KickQuota {
  remainingGensToday: number;
  totalGensCount: number;
  dailyLimit: number;
  totalCap: number;
  /** When today's generations come back (ISO timestamp from the server). */
  resetsAt: string;
  /** The server's: the IANA zone whose days the daily limit counts. */
  quotaTimeZone: string;
  /** The server's words at the limits (what its refusals say). */
  dailyLimitMessage: string;
  totalCapMessage: string;
}

/** From this many generations left today on, the bar says how many remain. */
export const LOW_REMAINING_THRESHOLD = 3;

export function sortKicks(kicks: readonly AiKick[]): AiKick[] {
  return [...kicks].sort((a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }) || a.id.localeCompare(b.id));
}

/** The engine key of a kick id, and back (null for stock kicks and an empty sampler). */
export function kickIdOfKey(key: string | null): string | null {
  const prefix = aiKickKey("");
  return key?.startsWith(prefix) ? key.slice(prefix.length) : null;
}

/** Previous/next with wrap-around; from no selection, next is the first and previous the last. */
export function cycleKick(kicks: readonly AiKick[], currentId: string | null, direction: 1 | -1): AiKick | null {
  if (kicks.length === 0) return null;
  const index = kicks.findIndex((kick) => kick.id === currentId);
  if (index === -1) return (direction === 1 ? kicks[0] : kicks.at(-1)) ?? null;
  return kicks[(index + direction + kicks.length) % kicks.length] ?? null;
}

/** The kick that takes over the sampler when `deletedId` goes: the next one, wrapping; null when none is left. */
export function successorOf(kicks: readonly AiKick[], deletedId: string): AiKick | null {
  const next = cycleKick(kicks, deletedId, 1);
  return next && next.id !== deletedId ? next : null;
}

/** "12:00 AM EST" / "12:00 AM EDT": the reset time on the quota's clock with the abbreviation in force then. */
export function quotaTimeLabel(at: string | Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hour: "numeric",
    minute: "2-digit",
    hour12: true,
    timeZoneName: "short",
  }).formatToParts(new Date(at));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((item) => item.type === type)?.value ?? "";
  // Built from parts: ICU versions differ in the space before AM/PM (U+0020 or U+202F).
  return `${part("hour")}:${part("minute")} ${part("dayPeriod").toUpperCase()} ${part("timeZoneName")}`;
}

export interface QuotaNotice {
  kind: "low" | "exhausted";
  text: string;
}

/** The standing message about today's generations, or null while plenty are left. */
export function quotaNotice(quota: KickQuota): QuotaNotice | null {
  const { remainingGensToday: left, resetsAt, quotaTimeZone } = quota;
  // The server's DailyLimitReached words, which a click at the limit shows too.
  if (left <= 0) return { kind: "exhausted", text: quota.dailyLimitMessage };
  if (left > LOW_REMAINING_THRESHOLD) return null;
  return { kind: "low", text: `${left} kick generation${left === 1 ? "" : "s"} left until ${quotaTimeLabel(resetsAt, quotaTimeZone)}` };
}

/** The quiet line under the bar while nothing needs saying. */
export function quotaSummary(quota: KickQuota): string {
  return `${quota.remainingGensToday} of ${quota.dailyLimit} generations left today · ${quota.totalGensCount}/${quota.totalCap} kicks in your library`;
}

export function capReached(quota: KickQuota): boolean {
  return quota.totalGensCount >= quota.totalCap;
}

/** The server's TotalCapReached words. */
export function capMessage(quota: KickQuota): string {
  return quota.totalCapMessage;
}

const STAGE_LABELS: Record<GenerationStage, string> = {
  QUEUED: "Queued",
  LOADING_MODEL: "Loading the model",
  SAMPLING: "Sampling",
  DECODING: "Decoding the spectrogram",
  VOCODING: "Rendering audio",
  UPLOADING: "Saving to your library",
  DONE: "Done",
  FAILED: "Failed",
};

export const FIRST_KICK_NOTE = "The first kick after a restart takes a little longer.";

/** The kick as it forms: `mels` rows (lowest band first) of `frames` 8-bit values, base64. */
export type SpectrogramPreview = NonNullable<KickGenerationSubscription["kickGeneration"]["preview"]>;

export interface ProgressEventLike {
  stage: GenerationStage;
  step: number;
  totalSteps: number;
  fraction: number;
  /** The server's words for the stage: the worker's own while the model loads (CPU or GPU). */
  message?: string;
  preview?: SpectrogramPreview | null;
}

export interface ProgressView {
  stage: GenerationStage;
  label: string;
  /** 0–100, never lower than what the bar already showed. */
  percent: number;
  note: string | null;
  /** The latest picture of the kick forming, kept until a newer one arrives. */
  preview: SpectrogramPreview | null;
}

export const QUEUED_PROGRESS: ProgressView = { stage: "QUEUED", label: STAGE_LABELS.QUEUED, percent: 0, note: null, preview: null };

/** What the progress bar shows for a server event, given what it showed before. */
export function progressView(event: ProgressEventLike, previous: ProgressView = QUEUED_PROGRESS): ProgressView {
  const percent = Math.max(previous.percent, Math.min(100, Math.round(event.fraction * 100)));
  const steps = event.stage === "SAMPLING" && event.totalSteps > 0 ? ` ${event.step}/${event.totalSteps}` : "";
  const loading = event.stage === "LOADING_MODEL";
  // Only the worker knows what loading means on its device ("Warming up the GPU" or not).
  const label = loading && event.message ? event.message : `${STAGE_LABELS[event.stage]}${steps}`;
  return { stage: event.stage, label, percent, note: loading ? FIRST_KICK_NOTE : null, preview: event.preview ?? previous.preview };
}

/** RGBA pixels of a preview, top row the highest band (as spectrograms are drawn), in the app's kick colour ramp. */
export function previewPixels(preview: SpectrogramPreview): Uint8ClampedArray<ArrayBuffer> {
  const values = Uint8Array.from(atob(preview.pixels), (char) => char.charCodeAt(0));
  const rgba = new Uint8ClampedArray(preview.mels * preview.frames * 4);
  for (let row = 0; row < preview.mels; row++) {
    const source = (preview.mels - 1 - row) * preview.frames;
    for (let column = 0; column < preview.frames; column++) {
      const value = values[source + column] ?? 0;
      const at = (row * preview.frames + column) * 4;
      rgba[at] = value;
      rgba[at + 1] = Math.round(value * 0.55);
      rgba[at + 2] = Math.round(value * 0.25 + 24);
      rgba[at + 3] = 255;
    }
  }
  return rgba;
}

/** A file name for the downloaded WAV: "AI: Bärbel" → "AI Bärbel.wav". */
export function downloadFileName(kick: Pick<AiKick, "name">): string {
  const base = kick.name.replace(/[^\p{L}\p{N} _-]+/gu, "").replace(/\s+/g, " ").trim();
  return `${base || "kick"}.wav`;
}

export type GenerationState =
  | { status: "idle" }
  | { status: "running"; progress: ProgressView }
  /** The server stored a new kick; its audio is being fetched and decoded. */
  | { status: "loading"; progress: ProgressView }
  /** Nothing was generated and trying again now would not help (cap, daily limit). */
  | { status: "refused"; message: string }
  /** Nothing was generated or counted; `retryable` offers "Try again". */
  | { status: "failed"; message: string; retryable: boolean };

export type GenerateKickAnswer = GenerateKickMutation["generateKick"];

export interface GenerationOutcome {
  state: GenerationState;
  quota: Partial<KickQuota>;
  kick: AiKick | null;
}

export const NETWORK_PROBLEM = "The server could not be reached. Try again.";

/** What a generateKick answer (or its absence: a network failure) means for the bar and the quota. */
export function generationOutcome(answer: GenerateKickAnswer | null | undefined, progress: ProgressView): GenerationOutcome {
  switch (answer?.__typename) {
    case undefined:
      return { state: { status: "failed", message: NETWORK_PROBLEM, retryable: true }, quota: {}, kick: null };
    case "GenerateKickSuccess":
      return {
        state: { status: "loading", progress: { ...progress, stage: "DONE", label: "Loading the kick", percent: 100, note: null } },
        quota: { remainingGensToday: answer.remainingGensToday, totalGensCount: answer.totalGensCount },
        kick: answer.kick,
      };
    case "TotalCapReached":
      return { state: { status: "refused", message: answer.message }, quota: { totalGensCount: answer.totalCap, totalCap: answer.totalCap, totalCapMessage: answer.message }, kick: null };
    case "DailyLimitReached":
      return { state: { status: "refused", message: answer.message }, quota: { remainingGensToday: 0, resetsAt: answer.resetsAt, dailyLimitMessage: answer.message }, kick: null };
    case "GenerationUnavailable":
      return { state: { status: "failed", message: answer.message, retryable: true }, quota: {}, kick: null };
    case "GenerationFailed":
      return { state: { status: "failed", message: answer.message, retryable: answer.retryable }, quota: {}, kick: null };
    case "ValidationErrors":
      return { state: { status: "refused", message: answer.message }, quota: {}, kick: null };
  }
}

/** A version 4 UUID for the request id; crypto.randomUUID exists only in secure contexts. */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
