// Secrets in configuration never reach errors or logs (issue 15, item 11): a bad http_output.url is quoted
// with its password and secret-bearing query parameters redacted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/core/redact-url.js';

describe('secrets in URLs', () => {
  it('a configuration error quotes the URL without its password or token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-secrets-'));
    const config = join(dir, 'falco.yaml');
    writeFileSync(config, 'http_output:\n  enabled: true\n  url: "ftp://alice:hunter2@example.com/x?api_token=abc123&page=2"\n');
    const r = spawnSync(process.execPath, ['bin/kawa.js', 'validate', '-r', 'rules/', '-c', config], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KAWA_ERR_CONFIG: http_output.url must be an http:// or https:// URL, not "ftp://alice:[redacted]@example.com/x?api_token=[redacted]&page=2"');
    expect(r.stdout + r.stderr).not.toMatch(/hunter2|abc123/);
  });

  it('redacts user-info passwords and secret query parameters, and nothing else', () => {
    expect(redactUrl('https://u:p%40ss@h:8443/a?X-Amz-Signature=f00&X-Amz-Credential=AKIA%2F&x=1')).toBe('https://u:[redacted]@h:8443/a?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&x=1');
    expect(redactUrl('http://falcosidekick:2801/')).toBe('http://falcosidekick:2801/');
    expect(redactUrl('http://user@h/?key=v')).toBe('http://user@h/?key=[redacted]');
    expect(redactUrl('not a url at all')).toBe('not a url at all');
  });
});
