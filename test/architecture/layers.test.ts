// The layering rules of .dependency-cruiser.cjs (run on src/ by `npm run check:layers` in `npm test`) catch
// what they are meant to: a fixture tree with one violation of each kind must fail with exactly those.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

describe('layering rules', () => {
  it('report an upward import, a source importing another, the emulator importing the runtime and an unknown folder', () => {
    const r = spawnSync(process.execPath, [depcruise, 'src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
      cwd: join(root, 'test/architecture/fixture'), encoding: 'utf8',
    });
    const out = JSON.parse(r.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    const found = out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
    expect(found).toEqual([
      'emulator-stands-alone: src/emulator/e.ts -> src/runtime/b.ts',
      'folder-known: src/misc/f.ts -> src/core/a.ts',
      'layer-core: src/core/a.ts -> src/runtime/b.ts',
      'sources-apart: src/sources/one/c.ts -> src/sources/two/d.ts',
    ]);
  });

});
