// A condition on its own (`kawa eval`): compiled as the one rule of an engine that evaluates each payload
// as it is. The condition goes through the rules loader as a rule appended after the given rules files, so
// macros and lists of those files resolve, and parse, field and type errors are the loader's.
import { KawaError } from '../core/errors.js';
import { loadRules } from '../rules/load.js';
import type { RulesInput } from '../rules/types.js';
import { Engine } from './engine.js';

const RULE_NAME = 'kawa eval condition';

/** The rules file text holding the condition as one rule (a JSON string is a valid YAML scalar). */
function conditionRule(condition: string): RulesInput {
  const content = [
    `- rule: ${JSON.stringify(RULE_NAME)}`,
    '  desc: the condition given to kawa eval',
    `  condition: ${JSON.stringify(condition)}`,
    '  output: match',
    '  priority: DEBUG',
    '  source: k8s_audit',
    '',
  ].join('\n');
  return { name: '<condition>', content };
}

/**
 * An engine for `condition` alone, with the macros and lists of `rulesFiles`. Throws KawaError
 * (KAWA_ERR_CONDITION) when the condition does not compile, with the loader's reason.
 */
export function conditionEngine(condition: string, rulesFiles: RulesInput[] = [], module?: WebAssembly.Module): Engine {
  const result = loadRules([...rulesFiles, conditionRule(condition)]);
  if (!result.ok) {
    const e = result.errors[0];
    const where = e && e.file && e.file !== '<condition>' ? { file: e.file, line: e.line, column: e.column } : {};
    throw new KawaError('KAWA_ERR_CONDITION', e ? `${e.code}: ${e.message}` : 'the condition does not compile', where);
  }
  const rule = result.rules.find((r) => r.name === RULE_NAME);
  if (!rule) throw new KawaError('KAWA_ERR_CONDITION', 'the condition does not compile');
  try {
    return Engine.create({ rules: { ...result, rules: [{ ...rule, enabled: true }] }, ruleMatching: 'first', ingest: false, ...(module ? { module } : {}) });
  } catch (e) {
    if (e instanceof KawaError && e.code !== 'KAWA_ERR_WASM') throw new KawaError('KAWA_ERR_CONDITION', e.message);
    throw e;
  }
}
