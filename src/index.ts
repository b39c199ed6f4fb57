/**
 * kawa as a library: load Falco rules for the k8s_audit source, then evaluate Kubernetes audit events
 * against them in WebAssembly.
 *
 * ```ts
 * import { loadRulesFiles, Engine } from 'kawa';
 * const rules = loadRulesFiles(['rules/k8s_audit_rules.yaml']);
 * if (!rules.ok) throw new Error(rules.errors[0].message);
 * const engine = Engine.create({ rules });
 * const { matches, rejections } = engine.evaluateOne(auditEventJson);
 * ```
 *
 * For throughput, pack many payloads into one buffer and call {@link Engine.evaluate} once per batch:
 * payload k is `data[offsets[k], offsets[k + 1])`.
 *
 * @packageDocumentation
 */

/** The compiled rule engine: {@link Engine.create}, {@link Engine.evaluate}, {@link Engine.evaluateOne}. */
export { Engine } from './engine/engine.js';
export type { EngineOptions, BatchResult, Match, Rejection, RejectionReason } from './engine/engine.js';

/** An engine for a single condition, evaluating each payload as it is (what `kawa eval` uses). */
export { conditionEngine } from './engine/condition.js';

/** Field extraction outside the rule VM (what `kawa extract` uses). */
export { FieldExtractor, parseFieldSpec } from './engine/extractor.js';
export type { FieldValue, FieldSpec } from './engine/extractor.js';

/** The compiled wasm module, compiled once per process; pass it to {@link Engine.create} in workers. */
export { engineModule } from './engine/wasm-module.js';

/** Loading rules files (Falco's rules language): from texts, or from paths on disk. */
export { loadRules, loadRulesFiles } from './rules/load.js';
export type {
  LoadResult, LoadedRule, LoadOptions, RulesInput, RuleSelection, OutputFormat, OutputPart, Priority,
} from './rules/types.js';
export { PRIORITIES } from './rules/types.js';

/** Rendering a match as Falco does: the rule's output message, alert lines and JSON alerts. */
export { renderMessage, AlertFormatter } from './alerts/format.js';
export type { AlertMatch, FormatOptions } from './alerts/format.js';

/** Coded errors and warnings. */
export { KawaError } from './core/errors.js';
export type { Code, Problem, Location } from './core/errors.js';

/** The field registry: every ka.*, json.*, jevt.* field kawa knows. */
export { FIELDS, findField } from './fields/registry.js';
export type { FieldDef } from './fields/types.js';

/** Running kawa inside another program: sources, the pipeline, the outputs and the service pieces. */
export { Pipeline } from './pipeline/pipeline.js';
export type { PipelineOptions, PipelineStats } from './pipeline/pipeline.js';
export { EngineEvaluator } from './pipeline/engine-evaluator.js';
export type { Source, SourceBatch, Evaluator, Evaluation, Alert, AlertSink } from './pipeline/types.js';
export { WebhookSource } from './sources/webhook/source.js';
export type { WebhookConfig } from './sources/webhook/config.js';
export { OutputSink } from './outputs/sink.js';
export type { OutputSinkOptions } from './outputs/sink.js';
export type { OutputsConfig, HttpOutputConfig } from './outputs/config.js';
export { parseFalcoConfig, readFalcoConfig } from './config/falco-config.js';
export type { FalcoConfig } from './config/falco-config.js';
export { MetricsRegistry } from './core/metrics.js';
export { createLogger } from './core/logger.js';

/** kawa in one call: the configured source, outputs and web server, with alerts as events or an iterator. */
export { start } from './runtime/start.js';
export type { StartOptions, Kawa, KawaAlert } from './runtime/start.js';
