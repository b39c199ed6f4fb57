// Loading rules in a child process with a time and a memory budget: what a hot reload does, so that new
// rules, however hostile, never block the event loop of a running service (the webhook and the health
// server keep answering) and never take the process down. A load over its budget is killed and comes back
// as a failed LoadResult with LOAD_ERR_LOAD_BUDGET; the caller keeps the running rules.
//
// A process, not a worker thread: a worker's heap limit (resourceLimits) is replaced by the process's own
// when Node.js runs with --max-old-space-size, on the command line or in NODE_OPTIONS (nodejs/node#43991),
// and a worker that runs out of heap can still abort the whole process with a fatal V8 error, depending on
// how it allocates (nodejs/node#47224). Both were seen here: a reload budgeted at 64 MB grew to 500 MB in
// a service run with --max-old-space-size=512, and took it down one time in ten. A child's heap limit is
// its own command line's, and its abort is its own.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadErrorCode } from '../core/errors.js';
import type { LoadOptions, LoadResult } from '../rules/types.js';

/** The child runs JavaScript: from src/ (the tests, through vitest) the compiled dist/ entry is used. */
const here = fileURLToPath(import.meta.url);
// beside this module: in dist/runtime/, and in the command line's bundle, which has its own (scripts/gen-cli-bundle.mjs)
const CHILD_FILE = here.endsWith('.ts') ? join(dirname(here), '../../dist/runtime/load-child.js') : join(dirname(here), 'load-child.js');
/** How much of the child's stderr is kept to tell why it ended (V8's fatal error is its last lines). */
const STDERR_TAIL = 4096;

export interface LoadBudget {
  timeoutMs: number;
  /** The child's heap (V8 old generation) in MB. */
  maxMemoryMb: number;
}

/**
 * Loads `files` in a child process within `budget`. An abort of `signal` kills the child and rejects with
 * the signal's reason, as Node's own APIs do: a run that closes does not wait for its reload.
 */
export function loadRulesInChild(files: string[], opts: LoadOptions, budget: LoadBudget, signal?: AbortSignal): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = fork(CHILD_FILE, [], {
      // on the command line, so it wins over a --max-old-space-size in NODE_OPTIONS
      execArgv: [`--max-old-space-size=${budget.maxMemoryMb}`],
      serialization: 'advanced',
      // not the process's: its stdout carries alerts, its stderr JSON logs
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL);
    });
    // a service that exits while a reload compiles takes the reload with it
    const killChild = () => child.kill('SIGKILL');
    process.once('exit', killChild);
    let settled = false;
    const end = () => {
      settled = true;
      clearTimeout(timer);
      process.removeListener('exit', killChild);
      signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const settle = (r: LoadResult) => {
      if (settled) return;
      end();
      resolve(r);
    };
    const onAbort = () => {
      if (settled) return;
      end();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      settle(failed('LOAD_ERR_LOAD_BUDGET', `loading the rules took longer than ${budget.timeoutMs} ms (rules_limits.reload_timeout_ms): stopped`, files));
    }, budget.timeoutMs);
    child.on('message', (r: LoadResult) => settle(r));
    child.on('error', (e) => settle(failed('LOAD_ERR_LOAD_BUDGET', `the rules loader could not run: ${e.message}`, files)));
    // after its stderr is read to the end
    child.on('close', (code, signal) => {
      settle(/heap out of memory/.test(stderr)
        ? failed('LOAD_ERR_LOAD_BUDGET', `loading the rules needed more than ${budget.maxMemoryMb} MB (rules_limits.reload_max_memory_mb): stopped`, files)
        : failed('LOAD_ERR_LOAD_BUDGET', `the rules loader stopped (${signal ?? `exit code ${code}`}) without a result${lastLine(stderr)}`, files));
    });
    child.send({ files, opts });
  });
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  return line ? `: ${line}` : '';
}

function failed(code: LoadErrorCode, message: string, files: string[]): LoadResult {
  return { ok: false, errors: [{ code, message, file: files.join(', ') }], warnings: [], rules: [], files: [] };
}
