/**
 * Decoded samples by key. Stock samples use their server key; AI kicks join under `ai:<kick id>`
 * (see `aiKickKey`), so the engine plays both the same way.
 */

export type SampleKind = "KICK" | "NOISE" | "IMPULSE_RESPONSE";

export interface SampleSource {
  key: string;
  url: string;
}

export interface LoadFailure {
  key: string;
  error: string;
}

export function aiKickKey(kickId: string): string {
  return `ai:${kickId}`;
}

export class SampleLibrary {
  private readonly buffers = new Map<string, AudioBuffer>();

  get(key: string | null): AudioBuffer | undefined {
    return key === null ? undefined : this.buffers.get(key);
  }

  has(key: string): boolean {
    return this.buffers.has(key);
  }

  add(key: string, buffer: AudioBuffer): void {
    this.buffers.set(key, buffer);
  }

  remove(key: string): void {
    this.buffers.delete(key);
  }

  /** Fetches and decodes one sample; an AudioBuffer decoded here plays in any context. */
  async load(source: SampleSource, context: BaseAudioContext, signal?: AbortSignal): Promise<AudioBuffer> {
    const response = await fetch(source.url, { credentials: "same-origin", signal });
    if (!response.ok) throw new Error(`${source.url}: HTTP ${response.status}`);
    const buffer = await context.decodeAudioData(await response.arrayBuffer());
    this.add(source.key, buffer);
    return buffer;
  }

  /** Loads every source concurrently; failures are returned, not thrown, so one bad file is not fatal. */
  async loadAll(sources: readonly SampleSource[], context: BaseAudioContext, signal?: AbortSignal): Promise<LoadFailure[]> {
    const results = await Promise.allSettled(sources.map((source) => this.load(source, context, signal)));
    return results.flatMap((result, index) =>
      result.status === "rejected"
        ? [{ key: sources[index]?.key ?? "", error: result.reason instanceof Error ? result.reason.message : String(result.reason) }]
        : [],
    );
  }
}
