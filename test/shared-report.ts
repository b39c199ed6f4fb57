// A vitest reporter with one job: after the run, one line saying how many suites and tests were skipped
// because the shared reference material (test/shared-data.ts) is missing, and where it was looked for.
import type { Reporter, TestModule } from 'vitest/node';
import { SHARED, SKIP_TAG } from './shared-data.js';

export default class SharedReport implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let suites = 0;
    let tests = 0;
    const files = new Set<string>();
    for (const m of modules) {
      for (const s of m.children.allSuites()) if (s.name.endsWith(SKIP_TAG)) { suites++; files.add(m.moduleId); }
      for (const t of m.children.allTests()) if (t.name.endsWith(SKIP_TAG)) { tests++; files.add(m.moduleId); }
    }
    if (suites + tests === 0) return;
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    process.stdout.write(`\n ${n(suites, 'suite')} and ${n(tests, 'test')} in ${n(files.size, 'file')} skipped: the shared reference material is missing (looked in ${SHARED}; set KAWA_SHARED to its folder to run them)\n\n`);
  }
}
