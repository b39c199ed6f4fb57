// When a written event is ingested and when reads may see it (emulator.md §4 "Visibility / late arrival").
// ingestionTime = now, or timestamp + lag for a lagging stream (never before now); visibleAt =
// ingestionTime + a per-stream delay drawn from a fixed, uniform or long-tail distribution.
import type { Delay, EmulatorConfig } from './config.js';
import { normal, type Random } from './prng.js';

/** Value of the entry whose key matches the stream: exact name first, else the longest `prefix*`. */
export function matchStream<T>(map: Record<string, T>, stream: string): T | undefined {
  if (Object.prototype.hasOwnProperty.call(map, stream)) return map[stream];
  let best: string | undefined;
  for (const key of Object.keys(map)) {
    if (key.endsWith('*') && stream.startsWith(key.slice(0, -1)) && (!best || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : map[best];
}

export function drawDelay(delay: Delay, random: Random): number {
  if (typeof delay === 'number') return delay;
  if ('uniform' in delay) {
    const [min, max] = delay.uniform;
    return Math.round(min + random() * (max - min));
  }
  // lognormal with the given median and p99 (z(0.99) = 2.326), capped at maxMs
  const { medianMs, p99Ms, maxMs } = delay.longTail;
  const sigma = Math.log(p99Ms / medianMs) / 2.326;
  return Math.min(maxMs, Math.round(medianMs * Math.exp(sigma * normal(random))));
}

export class Visibility {
  constructor(private readonly config: () => EmulatorConfig, private readonly random: () => Random) {}

  /** Times for an event written at server time `now` (PutLogEvents). */
  forPut(stream: string, timestamp: number, now: number): { ingestionTime: number; visibleAt: number } {
    const lag = matchStream(this.config().visibility.streamLagMs, stream);
    const ingestionTime = lag === undefined ? now : Math.max(now, timestamp + lag);
    return { ingestionTime, visibleAt: this.visibleAt(stream, ingestionTime) };
  }

  /** visibleAt for an event whose ingestionTime is already decided (inserts, generators). */
  visibleAt(stream: string, ingestionTime: number): number {
    const v = this.config().visibility;
    return ingestionTime + drawDelay(matchStream(v.streams, stream) ?? v.delay, this.random());
  }

  /** Extra ingestion lag configured for a stream (generators add it to their ingest delay). */
  lagOf(stream: string): number {
    return matchStream(this.config().visibility.streamLagMs, stream) ?? 0;
  }
}
