// program_output: alerts on the standard input of a shell command (`sh -c program`, as Falco's popen).
// keep_alive true: one long-running process gets every alert line; when it exits it is started again
// on the next send (with the queue's backoff between attempts), and lines it had not read are lost with it.
// keep_alive false (Falco's default): one process per alert, which gets that one line and end of input;
// a non-zero exit counts as a failed delivery. A program that does not take a write within timeout_ms (it
// stopped reading its input) is killed, its process group with it, and started again on the next send.
// Each program runs in a process group of its own (`sh -c 'jq | forwarder'` is several processes): when kawa
// exits with the program still running (a shutdown that timed out, a second signal), the whole group is
// killed, so no program is left orphaned.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../core/logger.js';
import { QueuedOutput, type QueuedOutputOptions } from './queued-output.js';
import { writeStream } from './stream-write.js';
import { lineBytes } from './line-bytes.js';
import type { FormattedAlert } from './types.js';

/** Process groups of the programs still running. */
const running = new Set<number>();
let killOnExit = false;

function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const group = child.pid;
  running.add(group);
  child.once('exit', () => running.delete(group));
  if (killOnExit) return;
  killOnExit = true;
  // 'exit' listeners run synchronously inside process.exit(): the last moment to reach the groups
  process.on('exit', () => {
    for (const g of running) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export class ProgramOutput extends QueuedOutput {
  private child: ChildProcess | undefined;
  /** Processes started (the first start and every restart). */
  starts = 0;

  constructor(
    private readonly program: string,
    private readonly keepAlive: boolean,
    opts: Omit<QueuedOutputOptions, 'chunk' | 'retries'>,
  ) {
    super('program', 'line', { ...opts, chunk: keepAlive ? 4096 : 1, retries: 3, backoffMs: { base: 500, max: 10_000 } });
  }

  private get logger(): Logger | undefined {
    return this.opts.logger;
  }

  private start(): ChildProcess {
    const child = spawn('/bin/sh', ['-c', this.program], { stdio: ['pipe', 'inherit', 'inherit'], detached: true });
    track(child);
    this.starts++;
    child.stdin!.on('error', () => undefined); // EPIPE when it exits early: seen as the exit below
    child.on('error', (e) => this.logger?.warn({ output: 'program', err: e.message }, 'program could not start'));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.keepAlive) this.logger?.warn({ output: 'program', code, signal }, 'program exited; it is restarted on the next alert');
    });
    return child;
  }

  protected async send(chunk: FormattedAlert[], signal: AbortSignal): Promise<void> {
    const text = lineBytes(chunk);
    if (!this.keepAlive) return this.runOnce(text, signal);
    const child = (this.child ??= this.start());
    signal.addEventListener('abort', () => this.kill(child), { once: true });
    await writeStream(child.stdin!, text);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('program exited');
  }

  private async runOnce(text: Uint8Array, signal: AbortSignal): Promise<void> {
    const child = this.start();
    signal.addEventListener('abort', () => this.kill(child), { once: true });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', reject);
    });
    await writeStream(child.stdin!, text).catch(() => undefined);
    child.stdin!.end();
    const code = await exited;
    if (code !== 0) throw new Error(`program exited with status ${code}`);
  }

  /** Kills a program that stopped taking its input, with everything it started. */
  private kill(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  protected async end(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    // end of input lets the program finish its last alerts; it is not killed
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdin!.end();
    await exited;
  }
}
