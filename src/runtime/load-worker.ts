// The entry of the worker thread a rules reload compiles in (load-in-worker.ts): load, post the result, end.
import { parentPort, workerData } from 'node:worker_threads';
import { loadRulesFiles } from '../rules/load.js';
import type { LoadOptions } from '../rules/types.js';

const { files, opts } = workerData as { files: string[]; opts: LoadOptions };
parentPort!.postMessage(loadRulesFiles(files, opts));
