// The batch's context in WebAssembly memory: what kawa.cluster, kawa.account and kawa.region read
// (assembly/context.ts has the layout). Written only when it differs from the batch before, so a run over
// one cluster writes it once.
import { KawaError } from '../core/errors.js';
import type { RawExports } from './wasm-module.js';

/** What the source knows about a batch's events: the cluster they came from, its account and region. */
export interface EventContext {
  /** The EKS cluster's name (kawa.cluster). */
  cluster?: string;
  /** The cluster's AWS account id (kawa.account). */
  account?: string;
  /** The cluster's AWS region (kawa.region). */
  region?: string;
}

interface ContextExports extends RawExports {
  contextArea(): number;
  contextBytes(): number;
}

const KEYS = ['cluster', 'account', 'region'] as const;
const utf8 = new TextEncoder();

export class ContextWriter {
  private readonly vm: ContextExports;
  private readonly fixed: (readonly [Uint8Array, Uint8Array])[];
  private written: string | undefined;

  /** `staticFields`: Falco's static_fields, the same for every event (`static.<name>`). */
  constructor(vm: RawExports, staticFields: Record<string, string> = {}) {
    this.vm = vm as ContextExports;
    this.fixed = Object.entries(staticFields).map(([k, v]) => [utf8.encode(`static.${k}`), utf8.encode(v)] as const);
    this.set(undefined);
  }

  /** Makes `ctx` the context of the events evaluated next (undefined: none known). */
  set(ctx: EventContext | undefined): void {
    const id = KEYS.map((k) => ctx?.[k] ?? '').join('\0');
    if (id === this.written) return;
    const entries = [...this.fixed, ...KEYS.flatMap((k) => (ctx?.[k] ? [[utf8.encode(k), utf8.encode(ctx[k]!)] as const] : []))];
    const header = 4 + entries.length * 16;
    const size = entries.reduce((n, [k, v]) => n + k.length + v.length, header);
    const capacity = this.vm.contextBytes();
    if (size > capacity) throw new KawaError(this.written === undefined ? 'KAWA_ERR_CONFIG' : 'KAWA_ERR_USAGE', `static_fields and the batch context take ${size} bytes, more than the engine's ${capacity}`);
    const area = this.vm.contextArea() >>> 0;
    const bytes = new Uint8Array(this.vm.memory.buffer, area, capacity);
    const words = new DataView(this.vm.memory.buffer, area, header);
    words.setUint32(0, entries.length, true);
    let at = header;
    entries.forEach(([k, v], i) => {
      bytes.set(k, at);
      bytes.set(v, at + k.length);
      words.setUint32(4 + i * 16, at, true);
      words.setUint32(8 + i * 16, k.length, true);
      words.setUint32(12 + i * 16, at + k.length, true);
      words.setUint32(16 + i * 16, v.length, true);
      at += k.length + v.length;
    });
    this.written = id;
  }
}
