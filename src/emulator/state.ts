// Everything one emulator instance knows: the current configuration and the components built from it.
// The HTTP server and the control API both act on this object.
import { applyConfigPatch, type EmulatorConfig } from './config.js';
import { ServerClock } from './clock.js';
import { Faults } from './faults.js';
import { Generator } from './generator.js';
import { createRandom, type Random } from './prng.js';
import { RequestLog } from './request-log.js';
import { Stats } from './stats.js';
import { KawaError } from '../core/errors.js';
import { identify, longTermCaller, type Credential } from './identity.js';
import { LogStore } from './store.js';
import { StsSessions } from './sts-sessions.js';
import type { Caller, StoredEvent } from './types.js';
import { Visibility } from './visibility.js';

export class EmulatorState {
  config: EmulatorConfig;
  readonly clock = new ServerClock();
  readonly store = new LogStore(() => this.config);
  readonly faults = new Faults();
  /** Session credentials issued by AssumeRole. */
  readonly sessions = new StsSessions();
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
    return longTermCaller(this.config, this.config.defaultAccessKeyId, this.config.defaultRegion);
  }

  /** Strict mode: signatures are verified (config secretAccessKeys is not empty). */
  get strict(): boolean {
    return Object.keys(this.config.secretAccessKeys).length > 0;
  }

  /** The secret of a configured key or of a session (strict mode). */
  secretOf(accessKeyId: string): string | undefined {
    return this.config.secretAccessKeys[accessKeyId] ?? this.sessions.get(accessKeyId)?.secretAccessKey;
  }

  /** The caller of an AWS request (throws the AWS error of an expired or invalid session). */
  identify(cred: Pick<Credential, 'accessKeyId' | 'region'>, sessionToken: string | undefined): Caller {
    return identify(this.config, this.sessions, cred, sessionToken);
  }

  /**
   * The namespace a control call names: by access key (default: defaultAccessKeyId) or, with namespaceBy
   * 'accountAndRegion', by account; region default: defaultRegion.
   */
  callerFor(where: { accessKeyId?: string; account?: string; region?: string }): Caller {
    const region = where.region ?? this.config.defaultRegion;
    if (where.account === undefined) return longTermCaller(this.config, where.accessKeyId ?? this.config.defaultAccessKeyId, region);
    if (this.config.namespaceBy !== 'accountAndRegion') throw new KawaError('KAWA_ERR_USAGE', `"account" names a namespace only with namespaceBy 'accountAndRegion' (now '${this.config.namespaceBy}'): name an accessKeyId`);
    if (where.accessKeyId !== undefined) throw new KawaError('KAWA_ERR_USAGE', 'name either "account" or "accessKeyId", not both');
    return { accessKeyId: '(control)', region, account: where.account, arn: `arn:aws:iam::${where.account}:root` };
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
    this.sessions.clear();
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
      this.generators = config.generators.map((g, i) => new Generator(g, i, config.seed, this.callerFor({ accessKeyId: g.accessKeyId, region: g.region }), this.store, this.visibility, now));
    }
  }
}
