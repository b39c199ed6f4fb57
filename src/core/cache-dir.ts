// kawa's directory in the user's cache: what a run keeps for the next (the loaded rules, rules/load-cache.ts;
// Node's compiled code, bin/kawa.js). Whatever is kept there decides what runs, so each directory must
// belong to the user running kawa and be writable by no one else.
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/**
 * $XDG_CACHE_HOME/kawa, else ~/.cache/kawa (the XDG base directory convention: a relative XDG_CACHE_HOME
 * is ignored); undefined without a home.
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'kawa');
  let home: string;
  try {
    home = homedir();
  } catch {
    return undefined;
  }
  return home ? join(home, '.cache', 'kawa') : undefined;
}

/** Why `dir` cannot hold a cache, if it cannot: `absent` when it could not even be created. */
export interface CacheDirProblem {
  why: string;
  absent: boolean;
}

/**
 * Creates `dir` and its missing parents (mode 0700), trying each at most twice. Not mkdirSync's `recursive`:
 * Node's walk loops for ever, at full CPU, where a parent exists but its child still cannot be made and the
 * system says ENOENT (any path under /proc: mkdir("/proc/x") is ENOENT, mkdir("/proc") is EEXIST, again).
 */
function makeDirs(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // a directory or not: the caller's stat tells
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw e;
    makeDirs(parent);
  }
  mkdirSync(dir, { mode: 0o700 });
}

/** Creates the directory if needed (mode 0700); refuses one another user could write an entry into. */
export function cacheDirProblem(dir: string): CacheDirProblem | undefined {
  let st;
  try {
    makeDirs(dir);
    st = statSync(dir);
  } catch (e) {
    return { why: `cannot create it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, absent: true };
  }
  if (!st.isDirectory()) return { why: 'not a directory', absent: false };
  if (process.getuid && st.uid !== process.getuid()) return { why: `owned by uid ${st.uid}, not by the user running kawa: what is kept there decides what runs`, absent: false };
  if (st.mode & 0o022) return { why: `writable by its group or by others (mode ${(st.mode & 0o777).toString(8)}): what is kept there decides what runs; chmod go-w it`, absent: false };
  return undefined;
}
