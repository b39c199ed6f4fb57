// Loaded rules kept on disk between runs (`kawa run --rules-cache DIR`): loading the upstream rules file
// (YAML parse, checks, condition compile) is a quarter of a run's start-up, and a run over an archive or a
// CI job loads the same files every time. An entry is found by a hash of everything a load depends on, the
// files read included, so a change to any of them is a new entry, never a stale one:
//
//   key    sha256 of kawa's build (version and commit), the load options, and each rules file's name and
//          contents (or why it could not be read), in order
//   entry  DIR/<key>.rules: v8-serialized { key, deps, result, derived }; deps are the other files the load
//          read (IP lists' files) with the sha256 of their bytes, checked again before the entry is used;
//          derived is what the caller makes of a load and keeps beside it (a run: the compiled program)
//
// Only successful loads are kept. An entry that cannot be read back (damaged, from another Node version) is
// loaded again from the files and rewritten. The directory must belong to the user running kawa and be
// writable by no one else: whoever can write an entry decides which rules run. At most MAX_ENTRIES are
// kept; the oldest go first.
//
// `kawa run` uses the user's cache directory unless told otherwise (defaultCacheDir): a run that cannot make
// it (a read-only file system, no home) loads the files as before.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../core/atomic-file.js';
import { cacheDirProblem, userCacheDir } from '../core/cache-dir.js';
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
  derived?: unknown;
}

export interface CachedLoad {
  result: LoadResult;
  /** What `derive` made of the result, now or when the entry was written (undefined for a failed load). */
  derived?: unknown;
  /** hit: the entry was used; stored: loaded from the files and kept; miss: loaded, not kept (see problem). */
  cache: 'hit' | 'stored' | 'miss';
  /** Why an entry could not be written (the load itself is fine). */
  problem?: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** cacheDirProblem as an error (KAWA_ERR_RULES_CACHE) for a directory the user named. */
export function checkCacheDir(dir: string): void {
  const problem = cacheDirProblem(dir);
  if (problem) throw new KawaError('KAWA_ERR_RULES_CACHE', `--rules-cache ${dir}: ${problem.why}`);
}

/** The rules cache of `kawa run` when none is named: `rules` in the user's cache directory (core/cache-dir.ts). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = userCacheDir(env);
  return base === undefined ? undefined : join(base, 'rules');
}

/**
 * loadRulesFiles through the cache in `dir` (cacheDirProblem first). `build` names kawa's build; `derive`
 * makes what is kept beside a successful load (it may throw: then nothing is kept).
 */
export function loadRulesCached(paths: string[], opts: LoadOptions, dir: string, build: string, derive?: (result: LoadResult) => unknown): CachedLoad {
  const inputs = readInputs(paths, opts.maxFileBytes);
  const key = sha256(JSON.stringify([build, opts, inputs.map((i) => [i.name, i.content, i.error ?? null])]));
  const file = join(dir, key + SUFFIX);
  const cached = readEntry(file, key);
  if (cached && (!derive || cached.derived !== undefined)) return { result: cached.result, derived: cached.derived, cache: 'hit' };

  const result = loadRules(inputs, opts);
  if (!result.ok) return { result, cache: 'miss' };
  let derived: unknown;
  try {
    derived = derive?.(result);
  } catch {
    // not kept; the caller meets the same error where it uses the load, and reports it there
    return { result, cache: 'miss' };
  }
  try {
    const deps = Object.values(result.ipLists ?? {}).flatMap((l) => l.files).map((path) => ({ path, sha256: sha256(readFileSync(path)) }));
    // one serialization for all: the derived data's references into the load stay references when read back
    writeFileAtomic(file, serialize({ key, deps, result, derived } satisfies Entry));
    prune(dir);
    return { result, derived, cache: 'stored' };
  } catch (e) {
    return { result, cache: 'miss', problem: `could not keep the loaded rules in ${file}: ${(e as Error).message}` };
  }
}

/** The entry if it is whole and every file it depends on is unchanged, else undefined. */
function readEntry(file: string, key: string): Entry | undefined {
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
  return entry;
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
