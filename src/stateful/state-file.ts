// stateful.state_file: the stateful rules' state across restarts (so first_seen does not learn again and a
// threshold keeps its counts). JSON, replaced atomically (core/atomic-file.ts). A file that cannot be read
// or is not a state file stops the start with KAWA_ERR_STATE_FILE naming it: silently starting over would
// re-learn and miss what the file was kept for; the message says how to start over on purpose.
import { MAX_STATE_FILE_BYTES, readFailure, readUpTo } from '../core/read-up-to.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { KawaError } from '../core/errors.js';
import type { StateSnapshot } from './state.js';

const START_OVER = 'move it away to start the stateful rules over (first_seen learns again)';

/** The saved state, or undefined when the file does not exist yet. */
export function readStateFile(path: string): StateSnapshot | undefined {
  let text: string;
  try {
    text = readUpTo(path, MAX_STATE_FILE_BYTES).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new KawaError('KAWA_ERR_STATE_FILE', `cannot read the stateful rules' state: ${readFailure(e)}`, { file: path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KawaError('KAWA_ERR_STATE_FILE', `the stateful rules' state is not valid JSON (${(e as Error).message}); ${START_OVER}`, { file: path });
  }
  if (!isSnapshot(value)) throw new KawaError('KAWA_ERR_STATE_FILE', `not a kawa stateful rules' state (version 1); ${START_OVER}`, { file: path });
  return value;
}

/** Replaces the state file atomically; throws KAWA_ERR_STATE_FILE when it cannot be written. */
export function writeStateFile(path: string, snapshot: StateSnapshot): void {
  try {
    writeFileAtomic(path, JSON.stringify(snapshot));
  } catch (e) {
    throw new KawaError('KAWA_ERR_STATE_FILE', `cannot write the stateful rules' state: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
}

function isSnapshot(v: unknown): v is StateSnapshot {
  const s = v as StateSnapshot;
  return typeof v === 'object' && v !== null && s.version === 1 && Array.isArray(s.entries)
    && s.entries.every((e) => Array.isArray(e) && typeof e[0] === 'string' && isEntry(e[1]));
}

function isEntry(e: unknown): boolean {
  const x = e as Record<string, unknown>;
  if (typeof e !== 'object' || e === null) return false;
  const strings = (a: unknown) => Array.isArray(a) && a.every((s) => typeof s === 'string');
  if (x.k === 't') return Array.isArray(x.times) && x.times.every((t) => typeof t === 'number') && strings(x.sample);
  if (x.k === 'f') return typeof x.since === 'number' && strings(x.values);
  return x.k === 's' && typeof x.last === 'number' && typeof x.held === 'number';
}
