// The shared conformance runners, run against the built CLI (npm test builds first). Each runner ends
// with "N passed, M failed"; all of them must report no failure.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function runner(script: string, ...args: string[]): { passed: number; failed: number; tail: string } {
  const r = spawnSync(process.execPath, [`../shared/conformance/${script}`, ...args], {
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 1 << 26,
  });
  const lines = (r.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const m = /(\d+) passed, (\d+) failed/.exec(last);
  const failures = lines.filter((l) => l.startsWith('FAIL')).slice(0, 20).join('\n');
  return { passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : -1, tail: `${failures}\n${last}\n${r.stderr ?? ''}` };
}

describe('conformance runners (../shared/conformance)', () => {
  it('run-k8saudit: every end-to-end case of falcosecurity/testing', () => {
    const r = runner('run-k8saudit.mjs');
    expect(r.tail).toContain('44 passed, 0 failed');
  }, 600_000);

  it('run-fields: every field-extraction golden', () => {
    const r = runner('run-fields.mjs');
    expect(r.failed, r.tail).toBe(0);
    expect(r.passed).toBeGreaterThan(300);
  }, 600_000);

  it('run-rules-language: every load and eval case', () => {
    const r = runner('run-rules-language.mjs');
    expect(r.failed, r.tail).toBe(0);
    expect(r.passed).toBe(335);
  }, 900_000);
});
