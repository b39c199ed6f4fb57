// What both ways of reading the demo cluster share (demo.ts with the CloudWatch source, demo-kinesis.ts with
// Kinesis processes): the scene they are given and the reader they return.
import type { FalcoConfig } from '../config/falco-config.js';
import type { Logger } from '../core/logger.js';
import type { RunningEmulator } from '../emulator/index.js';
import type { LoadResult } from '../rules/types.js';
import type { AlertTally, AttackFeeder } from './demo-attacks.js';

/** What both ways of reading the demo cluster get: the emulator, the rules, the outputs, the attacker. */
export interface DemoScene {
  emu: RunningEmulator;
  /** The configuration of a run: defaults (watch_config_files off: nothing to watch). */
  config: FalcoConfig;
  rules: LoadResult;
  outputs: AlertTally;
  attacks: AttackFeeder;
  logger: Logger;
}

/** One way of reading the cluster's log group: the CloudWatch source, or Kinesis processes. */
export interface DemoReader {
  /** The banner's lines on how the audit stream reaches kawa (none for CloudWatch: the first line says it). */
  banner: string;
  /** Resolves once reading stopped and everything read was delivered. */
  run(): Promise<void>;
  /** Stops reading gracefully; may be called more than once. */
  stop(): Promise<void>;
  /** The summary's lines, given the alerts' description (AlertTally.describe()). */
  summary(alerts: string): string;
}
