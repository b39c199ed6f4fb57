// kawa's local CloudWatch Logs emulator, in-process: `startEmulator()` listens on loopback and returns
// the URL to hand to the AWS SDK (endpoint) or CLI (--endpoint-url) plus the control surface.
//
//   const emu = await startEmulator({ port: 0, config: { visibility: { delay: 1500 } } });
//   const client = new CloudWatchLogsClient({ endpoint: emu.url, region: 'us-east-1', credentials: {...} });
//   ...; emu.control.truth({ group }); await emu.close();
import { applyConfigPatch, defaultConfig, type EmulatorConfig } from './config.js';
import { EmulatorControl } from './control.js';
import { startServer } from './server.js';
import { EmulatorState } from './state.js';
import { attachSubscriptions, type Subscriptions } from './subscription.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object | null ? DeepPartial<T[K]> : T[K] };

export interface StartOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the emulator has no real authentication, keep it on loopback. */
  host?: string;
  /** Knobs (emulator.md §4); merged over the defaults. reset() returns to exactly this. */
  config?: DeepPartial<EmulatorConfig>;
  /** A local Kinesis (kinesalite) that subscription filters forward to (src/emulator/subscription.ts). */
  kinesis?: { endpoint: string };
  /** Bytes the bodies of all requests being read at once may hold (default 320 MiB); beyond it, 503. */
  bodiesInFlightBytes?: number;
}

export interface RunningEmulator {
  url: string;
  port: number;
  control: EmulatorControl;
  /** Set when started with `kinesis`: the forwarder of subscription filters (flush() waits for delivery). */
  subscriptions?: Subscriptions;
  close(): Promise<void>;
}

export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const state = new EmulatorState(applyConfigPatch(defaultConfig(), options.config ?? {}));
  const subscriptions = options.kinesis ? attachSubscriptions(state.store, { endpoint: options.kinesis.endpoint }) : undefined;
  const server = await startServer(state, options.host ?? '127.0.0.1', options.port ?? 0, options.bodiesInFlightBytes);
  const close = async () => {
    subscriptions?.close();
    await server.close();
  };
  return { url: server.url, port: server.port, control: new EmulatorControl(state), subscriptions, close };
}

export { applyConfigPatch, defaultConfig, FAULT_KINDS, GENERATOR_DEFAULTS } from './config.js';
export type { Delay, EmulatorConfig, FaultKind, FaultRule, GeneratorConfig } from './config.js';
export { EmulatorControl } from './control.js';
export type { TruthEvent, TruthFilter } from './control.js';
export type { InsertEvent, InsertRequest } from './insert.js';
export { parseEventLines } from './insert.js';
export type { RequestLogEntry } from './request-log.js';
export type { GeneratorStatus } from './generator.js';
export { OPERATIONS, type OpName } from './types.js';
