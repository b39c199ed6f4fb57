// Loading rules in a worker thread with a time and a memory budget: what a hot reload does, so that new
// rules, however hostile, never block the event loop of a running service (the webhook and the health
// server keep answering) and never take the process down. A load over its budget is terminated and
// comes back as a failed LoadResult with LOAD_ERR_LOAD_BUDGET; the caller keeps the running rules.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LoadErrorCode } from '../core/errors.js';
import type { LoadOptions, LoadResult } from '../rules/types.js';

/** Workers load JavaScript: from src/ (the tests, through vitest) the compiled dist/ entry is used. */
const here = fileURLToPath(import.meta.url);
// beside this module: in dist/runtime/, and in the command line's bundle, which has its own (scripts/gen-cli-bundle.mjs)
const WORKER_FILE = here.endsWith('.ts') ? join(dirname(here), '../../dist/runtime/load-worker.js') : join(dirname(here), 'load-worker.js');

export interface LoadBudget {
  timeoutMs: number;
  /** The worker's heap (V8 old generation) in MB. */
  maxMemoryMb: number;
}

export function loadRulesInWorker(files: string[], opts: LoadOptions, budget: LoadBudget): Promise<LoadResult> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_FILE, {
      workerData: { files, opts },
      resourceLimits: { maxOldGenerationSizeMb: budget.maxMemoryMb },
      // not piped to the process's: its stdout carries alerts, its stderr JSON logs
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (r: LoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => {
      settle(failed('LOAD_ERR_LOAD_BUDGET', `loading the rules took longer than ${budget.timeoutMs} ms (rules_limits.reload_timeout_ms): stopped`, files));
    }, budget.timeoutMs);
    worker.on('message', (r: LoadResult) => settle(r));
    worker.on('error', (e: Error & { code?: string }) => {
      settle(e.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? failed('LOAD_ERR_LOAD_BUDGET', `loading the rules needed more than ${budget.maxMemoryMb} MB (rules_limits.reload_max_memory_mb): stopped`, files)
        : failed('LOAD_ERR_LOAD_BUDGET', `loading the rules failed: ${e.message}`, files));
    });
    worker.on('exit', (code) => settle(failed('LOAD_ERR_LOAD_BUDGET', `the rules loader stopped (exit code ${code}) without a result`, files)));
  });
}

function failed(code: LoadErrorCode, message: string, files: string[]): LoadResult {
  return { ok: false, errors: [{ code, message, file: files.join(', ') }], warnings: [], rules: [], files: [] };
}
