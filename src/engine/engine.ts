// The public Engine: compiles loaded rules into a program, hands it to a WebAssembly instance once, then
// evaluates batches of raw payloads. Per batch, one copy into wasm memory and one call; only compact result
// records come back, and only matched events are decoded (batch.ts), or, with setLineRendering, their alert
// lines written in WebAssembly instead (assembly/render.ts).
import { programOf, type CompiledRule, type Program } from '../compile/compiler.js';
import { MODE_AS_IS, MODE_INGEST, RULES_ALL, RULES_FIRST } from '../compile/bytecode.js';
import { KawaError } from '../core/errors.js';
import { ContextWriter, type EventContext } from './context.js';
import type { LoadedRule, LoadResult } from '../rules/types.js';
import type { AlertLines } from './alert-lines.js';
import { readResults, type BatchResult } from './batch.js';
import { instantiateEngine, type RawExports } from './wasm-module.js';

export type { BatchResult, Match, Rejection, RejectionReason } from './batch.js';
export type { AlertLines } from './alert-lines.js';
export type { EventContext } from './context.js';

/** Payload bytes written straight into an engine's memory and evaluated there ({@link Engine.inPlace}). */
export interface InPlaceInput {
  /** The region (a fresh view each call: the memory may have grown since the last one, emptying it). */
  view(): Uint8Array;
  /** Evaluates the first `count` payloads, payload k being view()[starts[k], ends[k]), as {@link Engine.evaluate} would. */
  evaluate(starts: Uint32Array, ends: Uint32Array, count: number): BatchResult;
}

/** How an {@link Engine} evaluates: the rules and the Falco options that change verdicts. */
export interface EngineOptions {
  /** A successful load (LoadResult.ok); only its enabled rules are evaluated. */
  rules: LoadResult;
  /** 'first' (Falco's default): an event is reported for the first matching rule only; 'all': every one. */
  ruleMatching?: 'first' | 'all';
  /** A compiled engine.wasm (workers receive it instead of compiling their own). */
  module?: WebAssembly.Module;
  /**
   * true (default): payloads are classified like the k8saudit source does (an Event, an EventList, an array
   * of them; anything else or an event without a valid stageTimestamp is rejected). false: every payload is
   * evaluated as one event, as it is (`kawa eval`).
   */
  ingest?: boolean;
  /**
   * Events whose compact JSON (whitespace removed, as the k8saudit plugin re-serializes them) is longer than
   * this many bytes are rejected as 'too_large' (k8saudit maxEventSize, default 262144).
   */
  maxEventSize?: number;
}

/**
 * Options with the rules compiled already (compileRules of `rules`): the worker pool compiles them once on
 * the main thread, not once in each worker's fresh isolate, where it took about 40 ms. Not public: a program
 * that is not the rules' own would evaluate other rules than the engine reports.
 */
export interface PrecompiledOptions extends EngineOptions {
  program: Program;
}

interface VmExports extends RawExports {
  inputReserve(size: number): number;
  loadProgram(ptr: number, len: number): number;
  evaluateBatch(data: number, starts: number, ends: number, arrivals: number, count: number, mode: number, matching: number, maxEventSize: number, nowNs: bigint): number;
  lastBatchTruncated(): number;
  lastBatchWithoutAuditId(): number;
  outputPtr(): number;
  outTop(): number;
  templatesReserve(size: number): number;
  useTemplates(size: number): void;
  renderLines(): number;
  linesBytes(): number;
  linesEnds(): number;
  linesUsed(): number;
}

/**
 * How an engine writes its matches' alert lines (Engine.setLineRendering): templates for its rules, made by
 * whoever knows the output format (src/alerts/line-templates.ts).
 */
export interface LineTemplates {
  /** One template per rule position of `rules` (layout: src/compile/bytecode.ts, "alert line templates"). */
  build(rules: readonly CompiledRule[]): Uint8Array;
}

const DEFAULT_MAX_EVENT_SIZE = 262144;
const I32_MAX = 0x7fffffff;
const utf8 = new TextEncoder();
const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** A copy of the lines the engine wrote (renderLines): their `used` bytes, and per match its line's end. */
function writtenLines(mem: ArrayBuffer, bytesAt: number, used: number, endsAt: number, count: number): AlertLines {
  return { bytes: new Uint8Array(mem.slice(bytesAt, bytesAt + used)), ends: new Uint32Array(mem.slice(endsAt, endsAt + count * 4)) };
}

/** Evaluates rules over audit events in WebAssembly, one engine per thread: the loaded rules are compiled once, then each batch of payloads gives matches and rejections. */
export class Engine {
  /** The rules this engine evaluates (the enabled rules of the load, in rule order). */
  readonly rules: LoadedRule[];
  private readonly program: Program;
  private readonly vm: VmExports;
  private readonly mode: number;
  private readonly matching: number;
  private readonly maxEventSize: number;
  private readonly context: ContextWriter;
  /** Counts the uses of the input area, so that an InPlaceInput given before another use refuses to run. */
  private inputUse = 0;
  /** The templates in the engine's memory, and whether each evaluation writes its matches' lines. */
  private lineTemplates: LineTemplates | undefined;
  private writeLines = false;

  private constructor(program: Program, vm: VmExports, opts: EngineOptions) {
    this.program = program;
    this.rules = program.rules.map((r) => r.rule);
    this.vm = vm;
    this.mode = opts.ingest === false ? MODE_AS_IS : MODE_INGEST;
    this.matching = opts.ruleMatching === 'all' ? RULES_ALL : RULES_FIRST;
    // the VM takes an i32: a larger limit (the plugin's is a uint64) keeps every event, as it would
    this.maxEventSize = Math.min(opts.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE, I32_MAX);
    this.context = new ContextWriter(vm, opts.rules.staticFields);
  }

  /** Compiles the program and instantiates the wasm. Throws KawaError when the rules did not load. */
  static create(opts: EngineOptions): Engine {
    if (!opts.rules.ok) {
      const first = opts.rules.errors[0];
      throw new KawaError(first?.code ?? 'LOAD_ERR_VALIDATE', first?.message ?? 'the rules did not load', first ?? {});
    }
    const program = (opts as PrecompiledOptions).program ?? programOf(opts.rules);
    const vm = instantiateEngine(opts.module) as VmExports;
    const ptr = vm.inputReserve(program.bytes.length) >>> 0;
    new Uint8Array(vm.memory.buffer, ptr, program.bytes.length).set(program.bytes);
    const rc = vm.loadProgram(ptr, program.bytes.length);
    if (rc !== 0) throw new KawaError('KAWA_ERR_WASM', `the engine refused the compiled program (code ${rc})`);
    return new Engine(program, vm, opts);
  }

  /**
   * Evaluates payloads `data[offsets[k], offsets[k+1])` for `k < count` (offsets has count + 1 entries).
   * `arrivalNs[k]`, when given, is when payload k arrived in Unix ns (0n: unknown). A CloudWatch-truncated
   * event whose timestamps were cut off gets its payload's arrival time, else the time of the previous
   * event this engine evaluated, else the time of this call; its match says so (Match.timeSubstituted).
   * `context` is what kawa.cluster, kawa.account and kawa.region give for these events (absent: no value).
   */
  evaluate(data: Uint8Array, offsets: Uint32Array, count: number, arrivalNs?: BigInt64Array, context?: EventContext): BatchResult {
    if (count === 0) return { events: 0, matches: [], rejections: [], truncated: 0, withoutAuditId: 0 };
    this.context.set(context);
    if (arrivalNs && arrivalNs.length < count) {
      throw new KawaError('KAWA_ERR_USAGE', `Engine.evaluate: ${arrivalNs.length} arrival times for ${count} payloads`);
    }
    // input region: the payloads, then (8-byte aligned) the arrival times when given, then the offsets
    const end = offsets[count];
    const arrivalsAt = (end + 7) & ~7;
    const offsetsAt = arrivalsAt + (arrivalNs ? count * 8 : 0);
    const ptr = this.vm.inputReserve(offsetsAt + (count + 1) * 4) >>> 0;
    this.inputUse++;
    const mem = this.vm.memory.buffer;
    new Uint8Array(mem, ptr, end).set(data.subarray(0, end));
    if (arrivalNs) new Uint8Array(mem, ptr + arrivalsAt, count * 8).set(new Uint8Array(arrivalNs.buffer, arrivalNs.byteOffset, count * 8));
    new Uint32Array(mem, ptr + offsetsAt, count + 1).set(offsets.subarray(0, count + 1));
    const arrivals = arrivalNs ? ptr + arrivalsAt : 0;
    return this.run(ptr, ptr + offsetsAt, ptr + offsetsAt + 4, arrivals, count);
  }

  /**
   * A region of this engine's memory for `bytes` bytes of payloads that the caller writes itself (reads a
   * file into, frames in place) and evaluates where they lie, up to `maxPayloads` at a time: a worker
   * reading a file range copies nothing. The region is this engine's input area: it is valid until the
   * next evaluate(), evaluateOne() or inPlace() call, after which its use throws.
   */
  inPlace(bytes: number, maxPayloads: number): InPlaceInput {
    const spansAt = (bytes + 3) & ~3;
    const ptr = this.vm.inputReserve(spansAt + maxPayloads * 8) >>> 0;
    const use = ++this.inputUse;
    const check = () => {
      if (use !== this.inputUse) throw new KawaError('KAWA_ERR_USAGE', 'Engine.inPlace: the region was given to another call since');
    };
    return {
      view: () => {
        check();
        return new Uint8Array(this.vm.memory.buffer, ptr, bytes);
      },
      evaluate: (starts, ends, count) => {
        check();
        if (count === 0) return { events: 0, matches: [], rejections: [], truncated: 0, withoutAuditId: 0 };
        if (count > maxPayloads) throw new KawaError('KAWA_ERR_USAGE', `Engine.inPlace: ${count} payloads for room for ${maxPayloads}`);
        this.context.set(undefined);
        const spans = new Uint32Array(this.vm.memory.buffer, ptr + spansAt, maxPayloads * 2);
        spans.set(starts.subarray(0, count));
        spans.set(ends.subarray(0, count), maxPayloads);
        return this.run(ptr, ptr + spansAt, ptr + spansAt + maxPayloads * 4, 0, count);
      },
    };
  }

  /**
   * From now on (undefined: no longer), each evaluation also writes its matches' alert lines with these
   * templates (BatchResult.lines), in WebAssembly from the values where they lie; a match whose line was
   * written carries no tokens or fields (nothing decodes its values). A match the templates cannot write
   * keeps its values, for the caller to format.
   */
  setLineRendering(templates: LineTemplates | undefined): void {
    // built once for the same templates: a worker turns lines on and off from task to task
    if (templates && templates !== this.lineTemplates) {
      const bytes = templates.build(this.program.rules);
      const ptr = this.vm.templatesReserve(bytes.length) >>> 0;
      new Uint8Array(this.vm.memory.buffer, ptr, bytes.length).set(bytes);
      this.vm.useTemplates(bytes.length);
      this.lineTemplates = templates;
    }
    this.writeLines = templates !== undefined;
  }

  /** Evaluates payloads data[starts[k], ends[k]) already in memory (addresses) and reads the results. */
  private run(data: number, starts: number, ends: number, arrivals: number, count: number): BatchResult {
    const events = this.vm.evaluateBatch(data, starts, ends, arrivals, count, this.mode, this.matching, this.maxEventSize, nowNs());
    const lineCount = this.writeLines ? this.vm.renderLines() : 0;
    // the calls may have grown memory: take the buffer again
    const mem = this.vm.memory.buffer;
    const lines = lineCount > 0 ? writtenLines(mem, this.vm.linesBytes() >>> 0, this.vm.linesUsed() >>> 0, this.vm.linesEnds() >>> 0, lineCount) : undefined;
    const result = readResults(mem, this.vm.outputPtr() >>> 0, this.vm.outTop() >>> 0, this.program, events, this.vm.lastBatchTruncated(), this.vm.lastBatchWithoutAuditId(), lines?.ends);
    if (lines) result.lines = lines;
    return result;
  }

  /** Evaluates one payload (a JSON text). */
  evaluateOne(json: string | Uint8Array): BatchResult {
    const bytes = typeof json === 'string' ? utf8.encode(json) : json;
    return this.evaluate(bytes, Uint32Array.of(0, bytes.length), 1);
  }
}
