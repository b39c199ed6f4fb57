// Loaded rules kept on disk between runs (`kawa run --rules-cache DIR`): loading the upstream rules file
// (YAML parse, checks, condition compile) is a quarter of a run's start-up, and a run over an archive or a
// CI job loads the same files every time. An entry is found by a hash of everything a load depends on, the
// files read included, so a change to any of them is a new entry, never a stale one:
//
//   key    sha256 of kawa's build (version and commit), the load options, and each rules file's name and
//          contents (or why it could not be read), in order
//   entry  DIR/<key>.rules: v8-serialized { key, deps, result }; deps are the other files the load read
//          (IP lists' files) with the sha256 of their bytes, checked again before the entry is used
//
// Only successful loads are kept. An entry that cannot be read back (damaged, from another Node version) is
// loaded again from the files and rewritten. The directory must belong to the user running kawa and be
// writable by no one else: whoever can write an entry decides which rules run. At most MAX_ENTRIES are
// kept; the oldest go first.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../core/atomic-file.js';
import { KawaError } from '../core/errors.js';
import { readInputs } from './files.js';
import { loadRules } from './load.js';
import type { LoadOptions, LoadResult } from './types.js';

const MAX_ENTRIES = 32;
const SUFFIX = '.rules';

interface Entry {
  key: string;
  deps: { path: string; sha256: string }[];
  result: LoadResult;
}

export interface CachedLoad {
  result: LoadResult;
  /** hit: the entry was used; stored: loaded from the files and kept; miss: loaded, not kept (see problem). */
  cache: 'hit' | 'stored' | 'miss';
  /** Why an entry could not be written (the load itself is fine). */
  problem?: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Creates the directory if needed (mode 0700) and refuses one another user could write an entry into. */
export function checkCacheDir(dir: string): void {
  const refuse = (why: string): never => {
    throw new KawaError('KAWA_ERR_RULES_CACHE', `--rules-cache ${dir}: ${why}`);
  };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    refuse(`cannot create it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const st = statSync(dir);
  if (!st.isDirectory()) refuse('not a directory');
  if (process.getuid && st.uid !== process.getuid()) refuse(`owned by uid ${st.uid}, not by the user running kawa: an entry there decides which rules run`);
  if (st.mode & 0o022) refuse(`writable by its group or by others (mode ${(st.mode & 0o777).toString(8)}): an entry there decides which rules run; chmod go-w it`);
}

/** loadRulesFiles through the cache in `dir` (checkCacheDir first). `build` names kawa's build. */
export function loadRulesCached(paths: string[], opts: LoadOptions, dir: string, build: string): CachedLoad {
  const inputs = readInputs(paths, opts.maxFileBytes);
  const key = sha256(JSON.stringify([build, opts, inputs.map((i) => [i.name, i.content, i.error ?? null])]));
  const file = join(dir, key + SUFFIX);
  const cached = readEntry(file, key);
  if (cached) return { result: cached, cache: 'hit' };

  const result = loadRules(inputs, opts);
  if (!result.ok) return { result, cache: 'miss' };
  try {
    const deps = Object.values(result.ipLists ?? {}).flatMap((l) => l.files).map((path) => ({ path, sha256: sha256(readFileSync(path)) }));
    writeFileAtomic(file, serialize({ key, deps, result } satisfies Entry));
    prune(dir);
    return { result, cache: 'stored' };
  } catch (e) {
    return { result, cache: 'miss', problem: `could not keep the loaded rules in ${file}: ${(e as Error).message}` };
  }
}

/** The entry's rules if it is whole and every file it depends on is unchanged, else undefined. */
function readEntry(file: string, key: string): LoadResult | undefined {
  let entry: Entry;
  try {
    entry = deserialize(readFileSync(file)) as Entry;
  } catch {
    return undefined;
  }
  if (entry?.key !== key || !Array.isArray(entry.deps) || !entry.result?.ok) return undefined;
  for (const dep of entry.deps) {
    try {
      if (sha256(readFileSync(dep.path)) !== dep.sha256) return undefined;
    } catch {
      return undefined;
    }
  }
  return entry.result;
}

/** Keeps the MAX_ENTRIES newest entries. */
function prune(dir: string): void {
  const entries = readdirSync(dir).filter((n) => n.endsWith(SUFFIX)).map((n) => {
    const path = join(dir, n);
    return { path, mtime: statSync(path).mtimeMs };
  });
  if (entries.length <= MAX_ENTRIES) return;
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const e of entries.slice(MAX_ENTRIES)) unlinkSync(e.path);
}
