// Checked at start-up, not discovered at shutdown: a file kawa will write (a checkpoint, an alert file) must
// be writable where it is configured, or the start fails with a coded error naming the key and the path.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KawaError, type Code } from './errors.js';

const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** `path` is a file kawa creates or appends to: its folder must exist and be writable, and so must the file
 *  when it exists. */
export function checkWritableFile(path: string, key: string, code: Code = 'KAWA_ERR_CONFIG'): void {
  const dir = dirname(resolve(path));
  let info;
  try {
    info = statSync(dir);
  } catch (e) {
    throw new KawaError(code, `${key}: cannot write ${path}: its folder ${dir} ${why(e) === 'ENOENT' ? 'does not exist' : `cannot be read (${why(e)})`}`);
  }
  if (!info.isDirectory()) throw new KawaError(code, `${key}: cannot write ${path}: ${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new KawaError(code, `${key}: cannot write ${path}: its folder ${dir} is not writable (${why(e)})`);
  }
  try {
    const file = statSync(path);
    if (file.isDirectory()) throw new KawaError(code, `${key}: ${path} is a folder, not a file`);
    accessSync(path, constants.W_OK);
  } catch (e) {
    if (e instanceof KawaError) throw e;
    if (why(e) !== 'ENOENT') throw new KawaError(code, `${key}: cannot write ${path} (${why(e)})`);
  }
}

/** `path` is a folder kawa writes files into. */
export function checkWritableDir(path: string, key: string, code: Code = 'KAWA_ERR_CONFIG'): void {
  let info;
  try {
    info = statSync(path);
  } catch (e) {
    throw new KawaError(code, `${key}: ${path} ${why(e) === 'ENOENT' ? 'does not exist' : `cannot be read (${why(e)})`}`);
  }
  if (!info.isDirectory()) throw new KawaError(code, `${key}: ${path} is not a folder`);
  try {
    accessSync(path, constants.W_OK);
  } catch (e) {
    throw new KawaError(code, `${key}: ${path} is not writable (${why(e)})`);
  }
}
