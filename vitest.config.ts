import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/shared-report.ts'],
    // the kawa runs the tests start keep their rules cache (rules/load-cache.ts) here, not in the home of
    // whoever runs the tests: no entry of another build, and nothing left in ~/.cache
    env: { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'kawa-test-cache-')) },
  },
});
