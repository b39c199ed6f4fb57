/**
 * kawa as a library: a Falco-compatible detection engine for Kubernetes audit logs.
 *
 * Two ways in. {@link start} runs kawa as the command line does, in one call: the configured source
 * (files, the audit webhook, CloudWatch Logs, Kinesis), the rules, the outputs, and the alerts as events:
 *
 * ```ts
 * import { start } from 'kawa';
 * const kawa = await start({ rules: ['rules/'], source: { events: ['audit.jsonl'] } });
 * for await (const alert of kawa.alerts()) console.log(alert.rule, alert.output);
 * ```
 *
 * Or the engine alone: load rules, then evaluate audit events against them in WebAssembly:
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
 * This file is the whole public API: what it does not export is kawa's own business. `npm test` compares it
 * with the committed report (etc/kawa.api.md), so a change to it is always a deliberate one.
 *
 * @packageDocumentation
 */

export { start } from './runtime/start.js';
export type { StartOptions, Kawa, KawaAlert, KawaHealth, SourceInfo } from './runtime/start.js';
export type { PipelineStats } from './pipeline/pipeline.js';
export type { FlagValues } from './sources/kind.js';
export { MetricsRegistry } from './core/metrics.js';

export { Engine } from './engine/engine.js';
export type { EngineOptions, BatchResult, InPlaceInput, Match, Rejection, RejectionReason, EventContext, AlertLines, LineTemplates } from './engine/engine.js';
export { lineViews } from './engine/alert-lines.js';
export type { CompiledRule, OutputPlan } from './compile/compiler.js';
export { conditionEngine } from './engine/condition.js';
export { FieldExtractor, parseFieldSpec } from './engine/extractor.js';
export { EVENT_STATUS } from './engine/extractor.js';
export type { FieldValue, FieldSpec, EventStatus } from './engine/extractor.js';
export { engineModule } from './engine/wasm-module.js';
export type { RawExports } from './engine/wasm-module.js';

export { loadRules, loadRulesFiles } from './rules/load.js';
export type {
  LoadResult, LoadedRule, LoadOptions, RulesInput, RuleSelection, OutputFormat, OutputPart, Priority, FileStatus, IpList,
} from './rules/types.js';
export { PRIORITIES } from './rules/types.js';
export type { StatefulSpec, ThresholdSpec, FirstSeenSpec, SuppressSpec } from './rules/stateful-spec.js';
export type {
  Expr, Operand, AndExpr, OrExpr, NotExpr, CheckExpr, MacroRef, FieldRef, Transformer, TransformerName, TransformerArg, TransformerList,
  CheckOp, UnaryOp, NumOp, StrOp, ListOp, Modifier, RightValue, StringValue, NumberValue, ListValue, IdentValue, ValRef, Offset,
} from './condition/ast.js';
export { OPERATORS, MODIFIERS, Op, operator } from './condition/operators.js';
export type { OperatorDef, OperatorText } from './condition/operators.js';

export { renderMessage, AlertFormatter } from './alerts/format.js';
export { AlertLineTemplates } from './alerts/line-templates.js';
export type { OutputOptions } from './alerts/output-options.js';
export type { AlertMatch, FormatOptions } from './alerts/format.js';

export { KawaError, LOAD_ERRORS, LOAD_LIMIT_ERRORS, LOAD_WARNINGS, KAWA_ERRORS, KAWA_WARNINGS } from './core/errors.js';
export type { Code, Problem, Location, LoadErrorCode, LoadWarningCode, KawaErrorCode, KawaWarningCode } from './core/errors.js';

export { FIELDS, findField } from './fields/registry.js';
export type { FieldDef, ArgKind, Recipe, RecipeOp } from './fields/types.js';
