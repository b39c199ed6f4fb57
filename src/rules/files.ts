// Reading rules files from disk into RulesInputs. Problems that stop a file from being read at all are
// carried on the input (`error`) so that they take their place in the load order: files before a bad one
// still load, as with Falco, which stops at the first failing file.
import { readdirSync, statSync } from 'node:fs';
import { FileTooLarge, readUpTo } from '../core/read-up-to.js';
import { join } from 'node:path';
import type { Code } from '../core/errors.js';
import { DEFAULT_MAX_FILE_BYTES } from './limits.js';
import type { RulesInput } from './types.js';

const YAML_FILE = /\.ya?ml$/;

/** `maxFileBytes`: a larger file is refused with LOAD_ERR_FILE_TOO_LARGE before it is read. */
export function readInputs(paths: string[], maxFileBytes = DEFAULT_MAX_FILE_BYTES): RulesInput[] {
  const out: RulesInput[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      out.push(failed(p, `Could not read file: ${reason(e)}`));
      continue;
    }
    if (!isDir) { out.push(readTextFile(p, maxFileBytes)); continue; }
    const names = readdirSync(p).filter((n) => YAML_FILE.test(n)).sort();
    if (names.length === 0) out.push(failed(p, 'Could not read rules directory: it contains no .yaml or .yml file'));
    for (const n of names) out.push(readTextFile(join(p, n), maxFileBytes));
  }
  return out;
}

/** One UTF-8 text file (a rules file, an IP list's file), or why it cannot be read, as a RulesInput. */
export function readTextFile(path: string, maxFileBytes: number): RulesInput {
  let bytes: Buffer;
  try {
    bytes = readUpTo(path, maxFileBytes);
  } catch (e) {
    if (e instanceof FileTooLarge) {
      // a device or a FIFO states no size: the read itself stopped past the maximum
      const what = e.size === undefined ? 'file' : `file of ${e.size} bytes`;
      return failed(path, `${what} is larger than the maximum ${maxFileBytes} (rules_limits.max_file_bytes)`, { line: 1, column: 1 }, 'LOAD_ERR_FILE_TOO_LARGE');
    }
    return failed(path, `Could not read file: ${reason(e)}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, at);
    const line = before.filter((b) => b === 0x0a).length + 1;
    const column = at - (before.lastIndexOf(0x0a) + 1) + 1;
    return failed(path, `Could not read file: invalid UTF-8 at byte offset ${at}`, { line, column });
  }
  // an empty file, or one of comments only, is a valid rules file without items, as in Falco (which ships
  // falco_rules.local.yaml like that)
  return { name: path, content: text.replace(/^\uFEFF/, '') };
}

/** Byte offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
    }
    if (n > 0) {
      const cp = n === 2 ? ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) : -1;
      if (n === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return i;
      if (n === 3 && ((c === 0xf0 && b[i + 1]! < 0x90) || (c === 0xf4 && b[i + 1]! > 0x8f))) return i;
    }
    i += n;
  }
  return b.length;
}

function failed(name: string, message: string, where: { line?: number; column?: number } = {}, code: Code = 'LOAD_ERR_FILE_READ'): RulesInput {
  return { name, content: '', error: { code, message, where } };
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file or directory';
  if (err?.code === 'EACCES') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a directory';
  return err?.message ?? String(e);
}
