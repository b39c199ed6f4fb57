// stdout, file and program outputs, the rate limit and the minimum priority, through the OutputSink.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProgramOutput } from '../../src/outputs/program-output.js';
import { OutputSink } from '../../src/outputs/sink.js';
import { TokenBucket } from '../../src/outputs/token-bucket.js';
import { alert, alerts, outputsConfig, sleep } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kawa-out-'));
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

function captured(): [PassThrough, () => string] {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  return [out, () => text];
}

describe('stdout_output', () => {
  it('writes text lines, or JSON with json_output, then the summary after every alert', async () => {
    const [out, text] = captured();
    const sink = new OutputSink(outputsConfig('time_format_iso_8601: true\n'), { stdout: out });
    await sink.emit(alerts(2));
    await sink.write('Events detected: 2\n');
    expect(text()).toBe('2023-11-14T22:13:20.000000000+0000: Warning user=user0\n2023-11-14T22:13:20.000000001+0000: Warning user=user1\nEvents detected: 2\n');
    const [out2, text2] = captured();
    const json = new OutputSink(outputsConfig('json_output: true\njson_include_tags_property: false\n'), { stdout: out2 });
    await json.emit(alerts(1));
    await json.flush();
    const a = JSON.parse(text2());
    expect(a.rule).toBe('rule 0');
    expect(a.tags).toBeUndefined();
  });

  it('stdout_output.enabled false writes nothing there', async () => {
    const [out, text] = captured();
    const sink = new OutputSink(outputsConfig('stdout_output: {enabled: false}\n'), { stdout: out });
    await sink.emit(alerts(3));
    await sink.flush();
    expect(text()).toBe('');
    expect(sink.outputs).toHaveLength(0);
  });
});

describe('file_output', () => {
  it('appends; with keep_alive the file is reopened after rotation (SIGHUP)', async () => {
    const dir = tmp();
    const file = join(dir, 'events.txt');
    const sink = new OutputSink(outputsConfig(`stdout_output: {enabled: false}\nfile_output: {enabled: true, keep_alive: true, filename: ${file}}\n`));
    await sink.emit(alerts(3));
    await sink.flush();
    renameSync(file, `${file}.1`);
    await sink.emit(alerts(1, 3));
    await sink.flush();
    expect(existsSync(file)).toBe(false); // still writing to the moved file, as logrotate expects before the signal
    sink.reopen();
    await sink.emit(alerts(2, 4));
    await sink.close();
    expect(lines(`${file}.1`)).toHaveLength(4);
    expect(lines(file).map((l) => l.split('user=')[1])).toEqual(['user4', 'user5']);
  });

  it('without keep_alive each write opens the file again, so a moved file is recreated', async () => {
    const dir = tmp();
    const file = join(dir, 'events.txt');
    const sink = new OutputSink(outputsConfig(`stdout_output: {enabled: false}\nfile_output: {enabled: true, filename: ${file}}\n`));
    await sink.emit(alerts(2));
    await sink.flush();
    renameSync(file, `${file}.1`);
    await sink.emit(alerts(1, 2));
    await sink.close();
    expect(lines(file)).toHaveLength(1);
  });

  it('a file in a folder that does not exist is refused at start, with a coded error', () => {
    expect(() => new OutputSink(outputsConfig('stdout_output: {enabled: false}\nfile_output: {enabled: true, filename: /nonexistent-dir/x/events.txt}\n')))
      .toThrow(expect.objectContaining({ code: 'KAWA_ERR_CONFIG', message: expect.stringContaining('its folder /nonexistent-dir/x does not exist') }));
  });

  it('a file whose folder goes away later counts its alerts as failed', async () => {
    const dir = join(tmp(), 'gone');
    mkdirSync(dir);
    const sink = new OutputSink(outputsConfig(`stdout_output: {enabled: false}\nfile_output: {enabled: true, filename: ${join(dir, 'events.txt')}}\n`));
    rmSync(dir, { recursive: true });
    await sink.emit(alerts(2));
    await sink.flush();
    expect((sink.outputs[0] as unknown as { stats: { failed: number } }).stats.failed).toBe(2);
  });
});

describe('program_output', () => {
  it('keep_alive: one process gets every line; it is restarted when it exits', async () => {
    const dir = tmp();
    const file = join(dir, 'got.txt');
    const sink = new OutputSink(outputsConfig(`stdout_output: {enabled: false}\nprogram_output: {enabled: true, keep_alive: true, program: "cat >> ${file}"}\n`));
    const program = sink.outputs[0] as ProgramOutput;
    await sink.emit(alerts(3));
    await sink.flush();
    expect(program.starts).toBe(1);
    await sleep(100); // lines still in the pipe die with the process: let cat read them first
    (program as unknown as { child: { kill(): void } }).child.kill();
    await sleep(100);
    await sink.emit(alerts(2, 3));
    await sink.close();
    expect(program.starts).toBe(2);
    expect(lines(file).map((l) => l.split('user=')[1])).toEqual(['user0', 'user1', 'user2', 'user3', 'user4']);
  });

  it('without keep_alive: one process per alert', async () => {
    const dir = tmp();
    const file = join(dir, 'got.txt');
    const sink = new OutputSink(outputsConfig(`stdout_output: {enabled: false}\njson_output: true\nprogram_output: {enabled: true, program: "cat >> ${file}"}\n`));
    await sink.emit(alerts(3));
    await sink.close();
    expect((sink.outputs[0] as ProgramOutput).starts).toBe(3);
    expect(lines(file).map((l) => JSON.parse(l).rule)).toEqual(['rule 0', 'rule 1', 'rule 2']);
  });
});

describe('rate limit and priority', () => {
  it('outputs.rate / max_burst: a burst passes, then one alert per 1/rate seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([1, 2, 3, 4].map(() => bucket.take())).toEqual([true, true, true, false]);
    now += 500;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000;
    expect([1, 2, 3, 4].map(() => bucket.take())).toEqual([true, true, true, false]);
  });

  it('throttled alerts are counted, and alerts below the minimum priority are not sent', async () => {
    const [out, text] = captured();
    const sink = new OutputSink(outputsConfig('outputs: {rate: 0.001, max_burst: 2}\n'), { stdout: out });
    await sink.emit(alerts(5));
    await sink.flush();
    expect(text().trim().split('\n')).toHaveLength(2);
    expect(sink.throttled).toBe(3);
    const [out2, text2] = captured();
    const strict = new OutputSink(outputsConfig(''), { stdout: out2, minPriority: 'Error' });
    await strict.emit([alert(0, 'Warning'), alert(1, 'Critical'), alert(2, 'Error'), alert(3, 'Debug')]);
    await strict.flush();
    expect(text2().match(/Critical|Error|Warning|Debug/g)).toEqual(['Critical', 'Error']);
  });
});
