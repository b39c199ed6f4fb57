// Whole files read with a ceiling (src/core/read-up-to.ts): a device or a FIFO has no size, so the ceiling is
// kept by the read itself. Every file kawa reads whole goes through it: rules files, configuration files and
// their config_files, certificates and token files, checkpoints and state files, the emulator's config and
// --load files. /dev/zero stands for an input without end; each command runs in a child process with a
// deadline, so that a reader without its ceiling fails the test instead of filling the machine's memory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BearerToken } from '../../src/core/bearer-token.js';
import { FileTooLarge, readUpTo } from '../../src/core/read-up-to.js';
import { readSecretFile } from '../../src/sources/webhook/config.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-read-up-to-'));
const file = (name: string, bytes: Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe('readUpTo', () => {
  it('reads a file whole up to the ceiling, across its growing steps, and refuses one byte more', () => {
    const big = Buffer.alloc(300_000, 7);
    expect(readUpTo(file('big', big), 300_000).equals(big)).toBe(true);
    expect(() => readUpTo(file('big', big), 299_999)).toThrow(FileTooLarge);
    expect(readUpTo(file('empty', Buffer.alloc(0)), 0).length).toBe(0);
  });

  it.runIf(existsSync('/dev/zero'))('stops a device without end one byte past the ceiling', () => {
    expect(() => readUpTo('/dev/zero', 200_000)).toThrow(expect.objectContaining({ code: 'EFBIG', message: 'larger than the maximum of 200000 bytes' }));
    // the files a configuration names: a bearer token, the webhook's TLS key and certificate
    expect(() => BearerToken.fromFile('/dev/zero', 'webserver.token_file')).toThrow(expect.objectContaining({ code: 'KAWA_ERR_CONFIG', message: 'webserver.token_file: cannot read /dev/zero: larger than the maximum of 16777216 bytes' }));
    expect(() => readSecretFile('/dev/zero', 'ssl_certificate')).toThrow(expect.objectContaining({ code: 'KAWA_ERR_CONFIG', message: 'webhook.ssl_certificate: cannot read /dev/zero: larger than the maximum of 16777216 bytes' }));
  });
});

describe.runIf(existsSync('/dev/zero'))('every whole-file reader of the command line has its ceiling', () => {
  const kawa = (...args: string[]) => spawnSync(process.execPath, ['bin/kawa.js', ...args], { encoding: 'utf8', timeout: 30_000 });
  const rules = 'rules/';
  const events = file('events.jsonl', Buffer.from('{}\n'));

  it.each([
    ['a configuration file', ['run', '-r', rules, '-e', events, '-c', '/dev/zero'], /KAWA_ERR_CONFIG: cannot read configuration file: larger than the maximum of 16777216 bytes/],
    ['a file of config_files', ['run', '-r', rules, '-e', events, '-c', file('with-include.yaml', Buffer.from('config_files:\n  - /dev/zero\n'))],
      /KAWA_ERR_CONFIG: config_files: cannot read \/dev\/zero: larger than the maximum of 16777216 bytes/],
    ['a rules file', ['validate', '-r', '/dev/zero'], /LOAD_ERR_FILE_TOO_LARGE: file is larger than the maximum 16777216 \(rules_limits.max_file_bytes\)/],
    ['a CA certificate', ['run', '-r', rules, '-e', events, '-o', 'http_output.enabled=true', '-o', 'http_output.url=https://127.0.0.1:9/', '-o', 'http_output.ca_cert=/dev/zero'],
      /KAWA_ERR_CONFIG: http_output.ca_cert: cannot read \/dev\/zero: larger than the maximum of 16777216 bytes/],
    ['the emulator\'s config', ['emulator', '--port', '0', '--config', '/dev/zero'], /KAWA_ERR_CONFIG: cannot read emulator config: larger than the maximum of 16777216 bytes/],
  ])('%s', (_what, args, said) => {
    const r = kawa(...args);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(said);
  });
});
