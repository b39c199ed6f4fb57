// -o overrides, the output/service/webhook keys of falco.yaml, log levels and log redaction.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseFalcoConfig } from '../../src/config/falco-config.js';
import { KawaError } from '../../src/core/errors.js';
import { createLogger, logLevel, logProcessWarnings } from '../../src/core/logger.js';
import { parseOverride } from '../../src/core/overrides.js';
import { checkOverrideKeys } from '../../src/config/schema.js';

const FALCO_YAML = `
rules_files: [/etc/falco/k8s_audit_rules.yaml]
json_output: true
stdout_output: {enabled: false}
http_output:
  enabled: true
  url: http://falcosidekick:2801/
  headers: {X-Env: prod}
outputs: {rate: 10, max_burst: 50}
webserver: {listen_port: 8766}
log_level: warning
`;

describe('configuration', () => {
  it('reads Falco defaults when nothing is set', () => {
    const c = parseFalcoConfig('', '');
    expect(c.outputs.stdout.enabled).toBe(true);
    expect(c.outputs.file).toEqual({ enabled: false, filename: './events.txt', keepAlive: false });
    expect(c.outputs.rate).toBe(0);
    // kawa's default listen address is loopback (Falco: 0.0.0.0), see README COMPATIBILITY
    expect(c.service.webserver).toMatchObject({ enabled: true, listenAddress: '127.0.0.1', listenPort: 8765, healthzEndpoint: '/healthz' });
    expect(c.sources.webhook).toMatchObject({ listenPort: 9765, path: '/k8s-audit', maxBodyBytes: 12 * 1024 * 1024 });
  });

  it('reads output and service keys, and -o overrides any of them in order', () => {
    const c = parseFalcoConfig(FALCO_YAML, 'falco.yaml', [
      'http_output.url=https://sidekick.example:2801/', 'outputs.rate=0', 'rules[].disable.rule=Noisy rule',
      'rules_files[]=/extra.yaml', 'webserver.k8s_healthz_endpoint=/live', 'file_output={enabled: true, filename: /tmp/a}',
    ]);
    expect(c.outputs.format.jsonOutput).toBe(true);
    expect(c.outputs.http).toMatchObject({ enabled: true, url: 'https://sidekick.example:2801/', headers: { 'X-Env': 'prod' } });
    expect(c.outputs.rate).toBe(0);
    expect(c.outputs.maxBurst).toBe(50);
    expect(c.outputs.file).toMatchObject({ enabled: true, filename: '/tmp/a' });
    expect(c.selection).toEqual([{ disable: { rule: 'Noisy rule' } }]);
    expect(c.rulesFiles).toEqual(['/etc/falco/k8s_audit_rules.yaml', '/extra.yaml']);
    expect(c.service).toMatchObject({ logLevel: 'warning', webserver: { listenPort: 8766, healthzEndpoint: '/live' } });
  });

  it('bad values are errors at their line, or naming the override', () => {
    const at = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return `${(e as KawaError).code} ${(e as KawaError).location.file}:${(e as KawaError).location.line ?? ''} ${(e as KawaError).message}`;
      }
      return 'no error';
    };
    expect(at(() => parseFalcoConfig('http_output:\n  enabled: true\n  url: ftp://x\n', 'f.yaml'))).toBe(
      'KAWA_ERR_CONFIG f.yaml:3 http_output.url must be an http:// or https:// URL, not "ftp://x"');
    expect(at(() => parseFalcoConfig('', 'f.yaml', ['outputs.rate=fast']))).toMatch(/^KAWA_ERR_CONFIG f.yaml, -o outputs.rate: outputs.rate must be a number/);
    expect(at(() => parseFalcoConfig('', '', ['log_level=loud']))).toMatch(/unknown log_level 'loud'/);
    expect(at(() => checkOverrideKeys(['htp_output.url=x']))).toMatch(/^KAWA_ERR_USAGE .*-o htp_output: not a configuration key/);
    expect(at(() => parseOverride('novalue'))).toMatch(/^KAWA_ERR_USAGE/);
    // a "billion laughs" of nested aliases: the yaml package's guard, as a configuration error at the file
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`)].join('\n');
    expect(at(() => parseFalcoConfig(`${laughs}\n`, 'f.yaml'))).toMatch(/^KAWA_ERR_CONFIG f.yaml:1 YAML aliases expand too far: /);
    // a time for a timer is at most what Node keeps: a longer one fires after 1 ms
    expect(at(() => parseFalcoConfig('shutdown_timeout_ms: 3000000000\n', 'f.yaml'))).toBe(
      'KAWA_ERR_CONFIG f.yaml:1 shutdown_timeout_ms must be an integer from 1 to 2147483647, not 3000000000');
    expect(at(() => parseFalcoConfig('stateful:\n  save_interval_ms: 1e10\n', 'f.yaml'))).toMatch(/^KAWA_ERR_CONFIG f.yaml:2 stateful.save_interval_ms must be an integer from 1 to 2147483647/);
    expect(parseFalcoConfig('shutdown_timeout_ms: 2147483647\n', 'f.yaml').service.shutdownTimeoutMs).toBe(2147483647);
    // a number YAML reads as infinite is named as such (JSON would say null)
    expect(at(() => parseFalcoConfig('', 'f.yaml', ['outputs.rate=1e309']))).toMatch(/outputs.rate must be a number ≥ 0, not Infinity$/);
  });

  it('parses override paths and YAML values', () => {
    expect(parseOverride('a.b[2].c=8765')).toMatchObject({ path: ['a', 'b', 2, 'c'], value: 8765 });
    expect(parseOverride('rules[].enable.tag=k8s')).toMatchObject({ path: ['rules', -1, 'enable', 'tag'], value: 'k8s' });
    expect(parseOverride('http_output.url=http://h:1/p?x=1').value).toBe('http://h:1/p?x=1');
    expect(parseOverride('x=[a, b]').value).toEqual(['a', 'b']);
  });
});

describe('logging', () => {
  it("maps Falco's levels and redacts credentials", () => {
    expect([logLevel('warning'), logLevel('notice'), logLevel('critical'), logLevel('debug'), logLevel('nope')]).toEqual(['warn', 'info', 'fatal', 'debug', undefined]);
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    const log = createLogger({ level: 'info', destination: out });
    log.info({ output: 'http', headers: { authorization: 'Bearer s3cret' }, token: 't0ken' }, 'configured');
    log.debug({ alert: 'body' }, 'hidden at info');
    expect(text).toContain('"msg":"configured"');
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('t0ken');
    expect(text).not.toContain('hidden at info');
  });

  it("logs Node's process warnings as one line each, in place of Node's own text", async () => {
    const printers = process.listeners('warning');
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += c));
    // Node's printer, or a stand-in where the test runner was told to print no warnings
    let printed = 0;
    process.on('warning', () => printed++);
    try {
      logProcessWarnings(createLogger({ format: 'json', destination: out }));
      process.emitWarning('first line\nsecond line', 'NodeVersionSupportWarning');
      await new Promise((r) => setImmediate(r));
      expect(printed).toBe(0);
      const lines = text.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, code: 'KAWA_WARN_NODE', warning: 'NodeVersionSupportWarning', msg: 'first line\nsecond line' });
    } finally {
      process.removeAllListeners('warning');
      for (const p of printers) process.on('warning', p);
    }
  });
});
