// The npm package as a user gets it: `npm pack`, installed from the tarball into an empty folder, then the
// kawa command, the library from JavaScript, and its type declarations from TypeScript. Needs dist/ and
// wasm/engine.wasm built (npm run build); packs with --ignore-scripts so the test never rebuilds them.
//
// The install is `npm ci` against a lockfile made from ours: the tarball plus exactly the production
// entries of package-lock.json, so the folder gets the dependency versions this checkout was tested with
// (a plain `npm install` of the tarball floats transitive versions), and it works with an empty npm cache
// because npm fetches from the same registry `npm ci` used for the project (`--prefer-offline` only skips
// the round trip when the cache has them).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'kawa-pkg-'));
const app = join(dir, 'app');
const run = (cmd: string, args: string[], cwd = app) => spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 60_000 });

// npm, failing with what npm said (its stderr ends with the reason and the log file's path).
function npm(args: string[], cwd: string): void {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed with ${r.error?.message ?? `exit ${r.status}`}:\n${r.stderr}`);
}

interface LockEntry { dev?: boolean; devOptional?: boolean; [key: string]: unknown }

// A lockfile for an app depending on the tarball alone: kawa's production tree is ours minus the dev
// entries, and every one of ours sits directly under node_modules/, where it also lands in the app.
function appLockfile(spec: string): object {
  const ours = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const self = ours.packages[''];
  const packages: Record<string, unknown> = {
    '': { name: 'app', version: '1.0.0', dependencies: { kawa: spec } },
    'node_modules/kawa': { version: self.version, resolved: spec, license: self.license, dependencies: self.dependencies, bin: self.bin, engines: self.engines },
  };
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path !== '' && !entry.dev && !entry.devOptional) packages[path] = entry;
  }
  return { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

const EVENT = JSON.stringify({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a1', stage: 'ResponseStarted', verb: 'create',
  requestURI: '/api/v1/namespaces/default/pods/web/exec', user: { username: 'mallory' },
  objectRef: { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web', apiVersion: 'v1' },
  requestReceivedTimestamp: '2024-05-01T10:00:00.000000Z', stageTimestamp: '2024-05-01T10:00:00.100000Z',
});

describe('npm package', () => {
  beforeAll(() => {
    npm(['pack', '--ignore-scripts', '--pack-destination', dir], root);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const spec = `file:../${tarball}`;
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true, dependencies: { kawa: spec } }));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLockfile(spec)));
    npm(['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
  }, 320_000);

  it('holds the engine, the compiled code, the rules and the samples, and no sources or tests', () => {
    const pkg = join(app, 'node_modules/kawa');
    for (const f of ['wasm/engine.wasm', 'dist/index.js', 'dist/index.d.ts', 'bin/kawa.js', 'rules/kawa-eks-rules.yaml', 'samples/eks-audit.jsonl.gz']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    for (const f of ['src', 'test', 'assembly', 'node_modules/vitest']) expect(existsSync(join(pkg, f)), f).toBe(false);
  });

  it('npx kawa --help, and kawa run over the packaged sample', () => {
    const help = run('npx', ['--offline', 'kawa', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: kawa');
    const r = run(join(app, 'node_modules/.bin/kawa'), ['run', '-r', 'node_modules/kawa/rules/kawa-eks-rules.yaml', '-e', 'node_modules/kawa/samples/eks-audit.jsonl.gz']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Events detected: [1-9]\d*$/m);
  });

  it('the library from JavaScript', () => {
    writeFileSync(join(app, 'use.mjs'), `
import { loadRulesFiles, Engine, AlertFormatter } from 'kawa';
const rules = loadRulesFiles(['node_modules/kawa/rules/kawa-eks-rules.yaml']);
if (!rules.ok) throw new Error(rules.errors[0].message);
const engine = Engine.create({ rules });
const { matches } = engine.evaluateOne(${JSON.stringify(EVENT)});
const f = new AlertFormatter({ timeZone: 'UTC' });
for (const m of matches) console.log(JSON.parse(f.json(m)).rule);
`);
    const r = run(process.execPath, ['use.mjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Exec');
  });

  it("the README's embedding example, as written", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /<!-- embedding-example -->\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'README.md has the embedding example').toBeDefined();
    writeFileSync(join(app, 'embed.mjs'), example!);
    const r = run(process.execPath, ['embed.mjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Notice Pod Exec or Attach$/m);
    expect(r.stdout).toMatch(/^2000 events, 41 alerts$/m);
  });

  it('require() from CommonJS', () => {
    writeFileSync(join(app, 'use.cjs'), `
const { loadRules, PRIORITIES } = require('kawa');
const r = loadRules([{ name: 'r.yaml', content: '- macro: m\\n  condition: ka.verb=get\\n' }]);
console.log(r.ok, PRIORITIES.length);
`);
    const r = run(process.execPath, ['use.cjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true 8');
  });

  it('the type declarations from TypeScript (strict, NodeNext)', () => {
    writeFileSync(join(app, 'use.ts'), `
import { loadRulesFiles, Engine, start, KawaError, type Match, type KawaAlert, type Kawa } from 'kawa';
const rules = loadRulesFiles(['node_modules/kawa/rules/kawa-eks-rules.yaml']);
const engine: Engine = Engine.create({ rules });
const first: Match | undefined = engine.evaluateOne('{}').matches[0];
export async function serve(): Promise<number> {
  let kawa: Kawa;
  try {
    kawa = await start({ config: 'webhook: {listen_port: 0}', rules: ['node_modules/kawa/rules/'], source: { webhook: true } });
  } catch (e) {
    if (e instanceof KawaError) return e.code === 'KAWA_ERR_CONFIG' ? 2 : 1;
    throw e;
  }
  kawa.on('alert', (a: KawaAlert) => console.log(a.rule, a.output_fields));
  await kawa.stop();
  return (await kawa.done).alerts;
}
export const priority: string | undefined = first?.rule.priority;
// @ts-expect-error: the engine takes a load result, not a path
Engine.create({ rules: 'rules.yaml' });
`);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
      files: ['use.ts'],
    }));
    const r = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
