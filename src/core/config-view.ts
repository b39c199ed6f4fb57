// Typed reads of a parsed falco.yaml document by key path, each failure a KAWA_ERR_CONFIG error at the
// value's line and column (or naming the `-o` override that set it, since an override has no position).
// Nodes merged in from another file (Falco's config_files) carry that file's name and line counter.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { KawaError, type Location } from './errors.js';
import type { PathKey } from './overrides.js';

/** The longest timer Node keeps, in ms (2^31 - 1, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The same in seconds, for the settings given in seconds. */
export const MAX_TIMER_S = Math.floor(MAX_TIMER_MS / 1000);

/** Where nodes that came from another file than the main one were written. */
export type NodeOrigins = WeakMap<Node, { file: string; lines: LineCounter }>;

export class ConfigView {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly file: string,
    private readonly origins: NodeOrigins = new WeakMap(),
  ) {}

  node(path: PathKey[]): Node | undefined {
    const n = this.doc.getIn(path, true) as Node | null | undefined;
    return n ?? undefined;
  }

  has(path: PathKey[]): boolean {
    const n = this.node(path);
    return n !== undefined && !(isScalar(n) && n.value === null);
  }

  at(path: PathKey[]): Location {
    return this.locate(this.node(path), path);
  }

  /** A node's place: its file, line and column; a node set by `-o` has none, so the override is named. */
  locate(n: Node | undefined, path: PathKey[]): Location {
    if (!n?.range) return { file: `${this.file ? `${this.file}, ` : ''}-o ${path.join('.')}` };
    const origin = this.origins.get(n);
    const { line, col } = (origin?.lines ?? this.lines).linePos(n.range[0]);
    return { file: origin?.file ?? this.file, line, column: col };
  }

  fail(path: PathKey[], message: string): never {
    throw new KawaError('KAWA_ERR_CONFIG', message, this.at(path));
  }

  private scalar(path: PathKey[]): unknown {
    const n = this.node(path);
    if (n === undefined) return undefined;
    if (!isScalar(n)) return this.fail(path, `${path.join('.')} must be a single value`);
    return n.value ?? undefined;
  }

  bool(path: PathKey[], fallback: boolean): boolean {
    const v = this.scalar(path);
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (s === 'true' || s === 'false') return s === 'true';
    return this.fail(path, `${path.join('.')} must be true or false, not ${JSON.stringify(v)}`);
  }

  str(path: PathKey[]): string | undefined;
  str(path: PathKey[], fallback: string): string;
  str(path: PathKey[], fallback?: string): string | undefined {
    const v = this.scalar(path);
    return v === undefined ? fallback : String(v);
  }

  /**
   * A number ≥ min (integers only unless `fraction`), and ≤ max. A key ending in `_ms` is a time for a timer,
   * so it is at most MAX_TIMER_MS whatever `max` says: Node runs a longer timer after 1 ms, which would turn
   * a save interval meant as "hardly ever" into a loop and a shutdown deadline into none.
   */
  num(path: PathKey[], fallback: number, opts: { min?: number; max?: number; fraction?: boolean } = {}): number {
    const v = this.scalar(path);
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : Number(String(v));
    const min = opts.min ?? 0;
    const last = path[path.length - 1];
    const max = Math.min(opts.max ?? Infinity, typeof last === 'string' && last.endsWith('_ms') ? MAX_TIMER_MS : Infinity);
    if (!Number.isFinite(n) || n < min || n > max || (!opts.fraction && !Number.isInteger(n))) {
      const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
      return this.fail(path, `${path.join('.')} must be ${opts.fraction ? 'a number' : 'an integer'} ${range}, not ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
    }
    return n;
  }

  /** A mapping of strings to strings (HTTP headers). */
  strMap(path: PathKey[]): Record<string, string> {
    const n = this.node(path);
    if (n === undefined || (isScalar(n) && n.value === null)) return {};
    if (!isMap(n)) return this.fail(path, `${path.join('.')} must be a mapping`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(n.toJSON() as Record<string, unknown>)) {
      if (v === null || typeof v === 'object') this.fail([...path, k], `${path.join('.')}.${k} must be a string`);
      out[k] = String(v);
    }
    return out;
  }

  /** A sequence of strings, or one string. */
  strList(path: PathKey[]): string[] | undefined {
    const n = this.node(path);
    if (n === undefined || (isScalar(n) && n.value === null)) return undefined;
    if (isSeq(n)) return n.items.map((_, i) => this.str([...path, i]) ?? '');
    return [this.str(path) ?? ''];
  }
}
