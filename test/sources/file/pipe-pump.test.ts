// stdin as a pipe read by a thread of its own (pipe-pump.ts, pipe-reader.ts), with real FIFOs, writer
// processes and threads: the bytes arrive whole and in order, a slow writer's line is not held back to
// fill a chunk, a consumer that takes nothing makes the writer wait after a bounded read-ahead, and the
// thread stops when asked with the writer still there. The thread runs dist/ (npm test builds first).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pumpPipe, type PipeChunks } from '../../../src/sources/file/pipe-pump.js';

const linux = process.platform === 'linux';
const dir = mkdtempSync(join(tmpdir(), 'kawa-pipe-'));
let n = 0;
const held: number[] = [];
const children: ChildProcess[] = [];
const pumps: PipeChunks[] = [];
/** A pump stopped after its test, whatever the test did with it. */
const pump = (...args: Parameters<typeof pumpPipe>) => {
  const p = pumpPipe(...args);
  pumps.push(p);
  return p;
};

afterEach(async () => {
  for (const p of pumps.splice(0)) await p.close();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const fd of held.splice(0)) closeSync(fd);
});

/**
 * A FIFO with a writer process running `script` (sh) with the FIFO as descriptor 3, opened before this
 * returns: the pump opens its end without waiting for a writer, and would see the end of a pipe nobody
 * writes yet. A reader end is held open here so that the writer is never refused. `lines` gets what the
 * writer prints on its stdout.
 */
async function fifoWriter(script: string, lines: string[] = []): Promise<{ path: string; child: ChildProcess }> {
  const path = join(dir, `fifo${n++}`);
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  held.push(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  const child = spawn('sh', ['-c', `exec 3>"${path}"; echo ready; ${script}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let rest = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const all = (rest + d).split('\n');
      rest = all.pop()!;
      for (const l of all) if (l === 'ready') resolve(); else lines.push(l);
    });
    child.on('exit', () => reject(new Error('the writer ended before it was ready')));
  });
  return { path, child };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));

describe.runIf(linux)('a pipe read by a thread of its own', () => {
  it.each([false, true])('hands over every byte in order, in chunks no larger than asked, then ends (buffers recycled: %s)', async (recycle) => {
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    const src = join(dir, 'src.bin');
    writeFileSync(src, bytes);
    const { path, child } = await fifoWriter(`exec cat "${src}" >&3`);
    const pipe = pump(path, { chunkBytes: 256 * 1024 });
    if (recycle) pipe.recycle();
    const got: Buffer[] = [];
    const held: Uint8Array[] = [];
    for await (const chunk of pipe) {
      expect(chunk.length).toBeLessThanOrEqual(256 * 1024);
      // copied before the next is asked for, as the framer does
      got.push(Buffer.from(chunk));
      held.push(chunk);
    }
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    // a buffer given back to the thread is gone from here (detached); without recycling each stays as it was
    if (recycle) expect(held.filter((c) => c.length === 0).length).toBeGreaterThan(held.length / 2);
    else expect(Buffer.concat(held).equals(bytes)).toBe(true);
    expect(await exited(child)).toBe(0);
  });

  it('hands over a slow writer\'s line while the writer is still writing', async () => {
    const { path, child } = await fifoWriter(`printf '{"a":1}\\n' >&3; exec sleep 30`);
    const pipe = pump(path);
    const first = await pipe.next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('{"a":1}\n');
    expect(child.exitCode).toBe(null);
    await pipe.close();
    expect((await pipe.next()).done).toBe(true);
  });

  it('reads a bounded amount ahead while nothing is taken, then goes on once chunks are taken', async () => {
    const total = 16 * 1024 * 1024;
    const written: string[] = [];
    // the writer says how much it wrote after each 64 KiB
    const { path, child } = await fifoWriter(
      `exec node -e 'const fs = require("fs"); const b = Buffer.alloc(65536, 120); for (let i = 1; i <= ${total / 65536}; i++) { fs.writeSync(3, b); console.log(i * 65536); }'`,
      written,
    );
    const chunkBytes = 64 * 1024;
    const pipe = pump(path, { chunkBytes, inFlight: 2 });
    // nothing taken for a while: the thread holds its chunks, the pipe fills, the writer waits
    await new Promise((r) => setTimeout(r, 1500));
    const ahead = Number(written.at(-1) ?? 0);
    expect(ahead).toBeGreaterThan(0);
    // the chunks given and the one being filled, the pipe's own 64 KiB, what the socket buffers, a write in flight
    expect(ahead).toBeLessThanOrEqual((2 + 1) * chunkBytes + 4 * 65536);
    expect(child.exitCode).toBe(null);
    let got = 0;
    for await (const chunk of pipe) got += chunk.length;
    expect(got).toBe(total);
    expect(await exited(child)).toBe(0);
  });

  it('stops its thread when closed, with the writer still there', async () => {
    const { path, child } = await fifoWriter('exec sleep 30');
    const pipe = pump(path);
    const waiting = pipe.next();
    await pipe.close();
    expect((await waiting).done).toBe(true);
    expect(child.exitCode).toBe(null);
  });

  it('fails with the reason when the pipe cannot be opened', async () => {
    await expect(pump(join(dir, 'missing')).next()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
