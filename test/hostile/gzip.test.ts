// Damaged gzip input (issue 15, item 2) and a gzip of line breaks (item 8): a corrupt, cut or
// trailing-garbage .gz gives what can be read of it, is reported with its code and place, and the inputs
// after it are read; `kawa run` exits 0 unless --fail-on-damaged-input. Every gzip here is small: the bombs
// are refused or read cheaply, never inflated to gigabytes in a test.
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzip } from '../../src/sources/file/gunzip.js';
import { LineSplitter } from '../../src/sources/file/lines.js';
import { file, read, SAMPLES } from './helpers.js';

const EVENTS = SAMPLES.slice(0, 1000);
const TEXT = `${EVENTS.join('\n')}\n`;
const GZ = gzipSync(TEXT);
// zlib tells the garbage from a header once it has two bytes of it
const TRAILING = new RegExp(`^gzip data followed by bytes that are not gzip \\(found at compressed byte (${GZ.length}|${GZ.length + 1}): incorrect header check\\): they are ignored$`);
// a smaller one where the test inflates it byte by byte itself
const SMALL_GZ = gzipSync(`${EVENTS.slice(0, 300).join('\n')}\n`);
const texts = (r: { payloads: { text: string }[] }) => r.payloads.map((p) => p.text.trim());

/**
 * What zlib gives of `gz` before it fails, fed one byte at a time (nothing held back): what gzip -d writes.
 * The first `intact` bytes, known to be undamaged, go in at once.
 */
async function recoverable(gz: Uint8Array, intact = 0): Promise<string> {
  const z = createGunzip();
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const failed = new Promise<void>((resolve) => z.once('error', () => resolve()));
  if (intact) await new Promise((r) => z.write(gz.subarray(0, intact), r));
  for (let i = intact; i < gz.length; i++) {
    const step = await Promise.race([new Promise<boolean>((r) => z.write(gz.subarray(i, i + 1), (e) => r(!e))), failed.then(() => false)]);
    if (!step) break;
  }
  return Buffer.concat(out).toString('utf8');
}

/** The complete lines of `text`, and its cut last line if any. */
const linesOf = (text: string) => text.split('\n').filter((l) => l.trim());

const corrupt = (gz: Uint8Array, at: number) => {
  const c = Buffer.from(gz);
  for (let i = at; i < at + 8; i++) c[i] ^= 0x5a;
  return c;
};

function kawa(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, ['bin/kawa.js', 'run', '-r', RULES, '--workers', '0', ...args], { input, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, alerts: r.stdout.split('\n').filter((l) => l.startsWith('{')).length };
}
const RULES = file(`
- rule: any
  desc: every audit event
  condition: ka.auditid exists
  output: "%ka.auditid"
  priority: NOTICE
  source: k8s_audit
`, 'rules.yaml');

describe('a damaged gzip file', () => {
  it('trailing garbage: every event before it, and the damage placed at the garbage', async () => {
    const gz = file(Buffer.concat([GZ, Buffer.from('garbage\n')]), 'trailing.jsonl.gz');
    const r = await read([gz]);
    expect(texts(r)).toEqual(EVENTS);
    expect(r.damaged).toEqual([{ file: gz, line: 1000, code: 'KAWA_ERR_INPUT_DAMAGED', message: expect.stringMatching(TRAILING) }]);
  });

  it('cut short: every complete line, the cut last line as one bad payload, the damage at the end', async () => {
    const cut = SMALL_GZ.subarray(0, Math.floor(SMALL_GZ.length * 0.6));
    const want = linesOf(await recoverable(cut));
    expect(want.length).toBeGreaterThan(100);
    const gz = file(cut, 'cut.jsonl.gz');
    const r = await read([gz]);
    expect(texts(r)).toEqual(want);
    expect(r.damaged).toEqual([{ file: gz, line: want.length, code: 'KAWA_ERR_INPUT_DAMAGED', message: `gzip data cut short (found at compressed byte ${cut.length}: unexpected end of file): read up to there` }]);
  });

  it('corrupt in the middle: what zlib can inflate before the damage, nothing held back', async () => {
    const bad = corrupt(SMALL_GZ, Math.floor(SMALL_GZ.length / 2));
    const want = linesOf(await recoverable(bad));
    expect(want.length).toBeGreaterThan(50);
    const r = await read([file(bad, 'corrupt.jsonl.gz')]);
    expect(texts(r)).toEqual(want);
    expect(r.damaged.length).toBe(1);
    expect(r.damaged[0]!.message).toMatch(/^damaged gzip data \(found at compressed byte \d+: .*\): read up to there, the rest of the input is skipped$/);
  });

  it('corrupt past the first piece of a large file: the pieces before it stand, the failed one is gone through again', async () => {
    // about half a megabyte compressed: the damage falls in the second piece a file is inflated by
    const big = gzipSync(EVENTS.map((e, i) => `${e.replace(/"auditID":"[^"]*"/, `"auditID":"big-${i}"`)}\n`).join('').repeat(3));
    expect(big.length).toBeGreaterThan(400 << 10);
    const at = 300 << 10;
    const bad = corrupt(big, at);
    const want = linesOf(await recoverable(bad, at - 4096));
    expect(want.length).toBeGreaterThan(1500);
    const r = await read([file(bad, 'corrupt-big.jsonl.gz')]);
    expect(texts(r)).toEqual(want);
    expect(r.damaged.length).toBe(1);
    expect(r.damaged[0]!.message).toMatch(/^damaged gzip data \(found at compressed byte \d+: .*\): read up to there, the rest of the input is skipped$/);
  });

  it('a directory: the files after a damaged one are read, each damage reported once', async () => {
    const d = join(file('', 'unused'), '..', 'dir');
    mkdirSync(d, { recursive: true });
    file(corrupt(GZ, 100), 'dir/a.jsonl.gz');
    file(`${EVENTS[0]}\n`, 'dir/b.jsonl');
    file(GZ.subarray(0, 5000), 'dir/c.jsonl.gz');
    file(`${EVENTS[1]}\n`, 'dir/d.jsonl');
    const r = await read([d]);
    expect(r.damaged.map((x) => x.file)).toEqual([join(d, 'a.jsonl.gz'), join(d, 'c.jsonl.gz')]);
    const got = texts(r);
    expect(got).toContain(EVENTS[0]);
    expect(got[got.length - 1]).toBe(EVENTS[1]);
  });

  it('stdin: trailing garbage and a cut stream lose nothing', async () => {
    const garbage = await read(['-'], { stdin: Readable.from([Buffer.concat([GZ, Buffer.from('garbage\n')])]) });
    expect(texts(garbage)).toEqual(EVENTS);
    expect(garbage.damaged).toMatchObject([{ file: '-', code: 'KAWA_ERR_INPUT_DAMAGED', message: expect.stringMatching(TRAILING) }]);
    const cut = SMALL_GZ.subarray(0, Math.floor(SMALL_GZ.length * 0.6));
    const r = await read(['-'], { stdin: Readable.from([cut.subarray(0, 1000), cut.subarray(1000)]) });
    expect(texts(r)).toEqual(linesOf(await recoverable(cut)));
    expect(r.damaged.length).toBe(1);
  });
});

describe('kawa run over damaged gzip files', () => {
  const good = file(TEXT, 'good.jsonl');
  const trailing = file(Buffer.concat([GZ, Buffer.from('garbage\n')]), 'run-trailing.jsonl.gz');
  const cut = file(GZ.subarray(0, 5000), 'run-cut.jsonl.gz');

  it('reads every -e after the damaged ones, reports each damage with its place, exits 0', () => {
    const r = kawa(['-e', trailing, '-e', cut, '-e', good, '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`kawa: ${trailing}:1000: KAWA_ERR_INPUT_DAMAGED: gzip data followed by bytes that are not gzip (found at compressed byte `);
    expect(r.stderr).toMatch(new RegExp(`kawa: ${cut}:\\d+: KAWA_ERR_INPUT_DAMAGED: gzip data cut short \\(found at compressed byte 5000: unexpected end of file\\): read up to there\n`));
    expect(r.stderr).toMatch(/2 damaged input/);
    // all of the first, what the cut one holds, all of the last
    expect(r.alerts).toBeGreaterThan(2000);
  });

  it('stdin from a .gz file, from its offset on, is read and reported as the file named with -e', () => {
    const middle = corrupt(GZ, Math.floor(GZ.length / 2));
    // damage zlib meets far from the end (a second member, of more than the first, without its magic): a pipe
    // places it only to the piece it fell in ("about")
    const second = gzipSync(TEXT.repeat(3));
    second[0] ^= 0xff;
    const big = Buffer.concat([GZ, second]);
    expect(kawa(['-e', '-', '--json'], big).stderr).toContain('found at compressed byte about ');
    const prefix = Buffer.from(`${'x'.repeat(99)}\n`);
    for (const [name, gz] of [['intact', GZ], ['trailing', Buffer.concat([GZ, Buffer.from('garbage\n')])], ['cut', GZ.subarray(0, 5000)], ['corrupt', middle], ['corrupt-big', big]] as const) {
      const named = file(gz, `stdin-${name}.jsonl.gz`);
      const want = kawa(['-e', named, '--json']);
      for (const skip of [0, prefix.length]) {
        const fd = openSync(file(skip ? Buffer.concat([prefix, gz]) : gz, `stdin-${name}-${skip}.gz`), 'r');
        try {
          if (skip) readSync(fd, Buffer.alloc(skip), 0, skip, null);
          const r = spawnSync(process.execPath, ['bin/kawa.js', 'run', '-r', RULES, '--workers', '0', '-e', '-', '--json'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
          expect(r.status, `${name} after ${skip} bytes`).toBe(0);
          expect(r.stdout, `${name} after ${skip} bytes`).toBe(want.stdout);
          // the damage placed to the byte, as only a file read again places it (a pipe's is approximate)
          expect(r.stderr, `${name} after ${skip} bytes`).toBe(want.stderr.replaceAll(named, '-'));
        } finally {
          closeSync(fd);
        }
      }
    }
  });

  it('--fail-on-damaged-input: the same run, then exit 1', () => {
    const r = kawa(['-e', trailing, '-e', good, '--json', '--fail-on-damaged-input']);
    expect(r.status).toBe(1);
    expect(r.alerts).toBe(2000);
    expect(kawa(['-e', good, '--json', '--fail-on-damaged-input']).status).toBe(0);
  });

  it('a file that fails to read does not stop the run either', () => {
    // a regular file to stat, whose first read fails with EIO (Linux)
    const r = kawa(['-e', '/proc/self/mem', '-e', good, '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('kawa: /proc/self/mem: KAWA_ERR_INPUT_READ: cannot read /proc/self/mem: EIO\n');
    expect(r.stderr).toMatch(/1 unreadable input/);
    expect(r.alerts).toBe(1000);
    expect(kawa(['-e', '/proc/self/mem', '-e', good, '--fail-on-damaged-input']).status).toBe(1);
  });
});

describe('a gzip of line breaks', () => {
  it('blank lines are counted without a call each (a 1 MiB gzip would inflate to 1 GiB of them)', () => {
    const calls: number[] = [];
    const s = new LineSplitter({ line: (_b, n) => calls.push(n), tooLong: () => calls.push(-1) }, 1 << 20);
    const blanks = new Uint8Array(4 << 20).fill(0x0a);
    for (let i = 0; i < blanks.length; i += 100_000) s.push(blanks.subarray(i, i + 100_000));
    s.push(Buffer.from(' \t\r\n\r\r\n{"a":1}\n'));
    s.end();
    expect(calls).toEqual([(4 << 20) + 4]);
    expect(s.lines).toBe((4 << 20) + 4);
  });

  it('a slow reader of a gzip bomb holds a few chunks of its output, not what a piece inflates to', async () => {
    // 256 MiB of line breaks in one compressed piece of about 250 KiB (made a MiB at a time)
    const z = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    z.on('data', (c: Buffer) => parts.push(c));
    const mib = new Uint8Array(1 << 20).fill(0x0a);
    for (let i = 0; i < 256; i++) z.write(mib);
    await new Promise((resolve) => z.end(resolve));
    const gz = Buffer.concat(parts);
    expect(gz.length).toBeLessThan(256 << 10);
    const path = file(gz, 'bomb.gz');
    let total = 0;
    let most = 0;
    const before = process.memoryUsage().arrayBuffers;
    for await (const out of gunzip(createReadStream(path), () => undefined, { path, base: 0 })) {
      total += out.length;
      // the reader is slow: zlib runs ahead only as far as the inflater holds
      await new Promise(setImmediate);
      most = Math.max(most, process.memoryUsage().arrayBuffers - before);
    }
    expect(total).toBe(256 << 20);
    expect(most).toBeLessThan(64 << 20);
  });

  it('a file run over 64 MiB of line breaks (a 64 KiB gzip) reads nothing and ends', async () => {
    const gz = gzipSync(new Uint8Array(64 << 20).fill(0x0a), { level: 9 });
    expect(gz.length).toBeLessThan(128 << 10);
    const r = await read([file(gz, 'newlines.gz')]);
    expect(r.payloads).toEqual([]);
    expect(r.damaged).toEqual([]);
  });
});
