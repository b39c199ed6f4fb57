// Everything one emulator instance knows: the current configuration and the components built from it.
// The HTTP server and the control API both act on this object.
import { applyConfigPatch, type EmulatorConfig } from './config.js';
import { ServerClock } from './clock.js';
import { Faults } from './faults.js';
import { Generator } from './generator.js';
import { createRandom, type Random } from './prng.js';
import { RequestLog } from './request-log.js';
import { Stats } from './stats.js';
import { LogStore } from './store.js';
import type { Caller, StoredEvent } from './types.js';
import { Visibility } from './visibility.js';

export class EmulatorState {
  config: EmulatorConfig;
  readonly clock = new ServerClock();
  readonly store = new LogStore(() => this.config);
  readonly faults = new Faults();
  readonly stats = new Stats();
  readonly requestLog: RequestLog;
  readonly visibility = new Visibility(() => this.config, () => this.visibilityRandom);
  private visibilityRandom!: Random;
  pageRandom!: Random;
  generators: Generator[] = [];
  /** Bumped to invalidate every outstanding FilterLogEvents token. */
  tokenEpoch = 0;

  constructor(private readonly initial: EmulatorConfig) {
    this.config = initial;
    this.requestLog = new RequestLog(initial.requestLogSize);
    this.apply(initial, true, true);
  }

  get defaultCaller(): Caller {
    return { accessKeyId: this.config.defaultAccessKeyId, region: this.config.defaultRegion };
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Applies a config patch; fault rule counters and random streams restart from the seed. A virtual clock
   * keeps its time unless the patch changes the clock settings.
   */
  patchConfig(patch: unknown): EmulatorConfig {
    const next = applyConfigPatch(this.config, patch);
    const changed = (key: 'generators' | 'clock') => JSON.stringify(next[key]) !== JSON.stringify(this.config[key]);
    this.apply(next, changed('generators'), changed('clock'));
    return next;
  }

  /** Back to the start configuration with no data, no stats, no request log. */
  reset(): void {
    this.store.clear();
    this.stats.clear();
    this.requestLog.clear();
    this.tokenEpoch++;
    this.apply(this.initial, true, true);
  }

  /** Runs generators up to the server clock; called before anything reads the store. */
  catchUp(): void {
    const now = this.now();
    for (const g of this.generators) g.catchUp(now);
  }

  served(ev: StoredEvent): void {
    if (ev.served++ === 0) this.stats.firstServe();
  }

  private apply(config: EmulatorConfig, restartGenerators: boolean, restartClock: boolean): void {
    this.config = config;
    this.clock.configure(config.clock, restartClock);
    this.faults.configure(config);
    this.requestLog.resize(config.requestLogSize);
    this.visibilityRandom = createRandom(config.seed, 'visibility');
    this.pageRandom = createRandom(config.seed, 'pages');
    if (restartGenerators) {
      const now = this.now();
      this.generators = config.generators.map((g, i) => new Generator(g, i, config.seed, this.defaultCaller, this.store, this.visibility, now));
    }
  }
}
