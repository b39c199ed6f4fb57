// A checkpoint's times against the clock that reads it: cursors later than the checkpoint's own writing time
// are a corrupt checkpoint (a coded error at start); a checkpoint written by a clock ahead of this one (another
// node, a clock set back) is read from now, with a warning, instead of skipping for good the events between now
// and its cursors. Against the emulator on a virtual clock, with the real SDK and engine.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { KawaError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { defaultCloudWatchConfig } from '../../src/sources/cloudwatch/config.js';
import { CloudWatchSource } from '../../src/sources/cloudwatch/source.js';
import { client, GROUP, harness, insert, T0, type Harness } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-cpclock-'));
const checkpoint = (name: string, cursors: number[], writtenAt: number) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({
    kind: 'kawa-cloudwatch-checkpoint', version: 2, logGroup: GROUP, streamPrefix: 'kube-apiserver-audit-', tiers: [2000, 15_000, 60_000], cursors, seen: [], writtenAt,
  }));
  return file;
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('a checkpoint\'s times', () => {
  it('a cursor later than the checkpoint was written is a corrupt checkpoint', async () => {
    const file = checkpoint('later.json', [T0, T0, T0, T0 + 5000], T0);
    const err = await CloudWatchSource.open({ ...defaultCloudWatchConfig('c'), tiersMs: [2000, 15_000, 60_000], checkpoint: file }, { client: client('http://127.0.0.1:9') })
      .catch((e: KawaError) => e);
    expect(err).toMatchObject({ code: 'KAWA_ERR_CHECKPOINT', location: { file } });
    expect((err as KawaError).message).toContain('a cursor is later than the time the checkpoint was written');
  });

  it('written by a clock an hour ahead: read from now, every event delivered once, and said', async () => {
    const hour = 3_600_000;
    const file = checkpoint('ahead.json', [T0 + hour, T0 + hour, T0 + hour, T0 + hour], T0 + hour);
    const logs = new PassThrough();
    let logged = '';
    logs.on('data', (d: Buffer) => (logged += d.toString()));
    h = await harness({ config: { checkpoint: file }, source: { logger: createLogger({ level: 'info', destination: logs }) } });
    insert(h.emu, [0, 1, 2, 3, 4].map((i) => ({ timestamp: T0 + 1000 + i * 500 })));
    await h.settle();
    // from its cursors, the reader would have waited an hour of event time and never read these
    h.expectExactlyOnce();
    expect(h.sink.ids).toHaveLength(5);
    expect(logged).toContain('the checkpoint is ahead of this clock');
    expect(logged).toContain('"ahead_s":3600');
  });
});
