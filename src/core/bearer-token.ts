// A bearer token read from a file (the `token_file` keys of the webhook and the web server), and the
// constant-time check of a request's Authorization header against it. The file is read once, at start-up,
// so a missing or empty file is a configuration error then, not a 401 for every request later.
import { MAX_CONFIG_FILE_BYTES, readFailure, readUpTo } from './read-up-to.js';
import { timingSafeEqual } from 'node:crypto';
import { KawaError } from './errors.js';

export class BearerToken {
  private constructor(private readonly expected: Buffer) {}

  /** `key` names the configuration key in errors (e.g. webserver.token_file). */
  static fromFile(path: string, key: string): BearerToken {
    let text: string;
    try {
      text = readUpTo(path, MAX_CONFIG_FILE_BYTES).toString('utf8').trim();
    } catch (e) {
      throw new KawaError('KAWA_ERR_CONFIG', `${key}: cannot read ${path}: ${readFailure(e)}`);
    }
    if (!text) throw new KawaError('KAWA_ERR_CONFIG', `${key}: ${path} is empty`);
    return new BearerToken(Buffer.from(`Bearer ${text}`));
  }

  accepts(header: string | undefined): boolean {
    const got = Buffer.from(header ?? '');
    return got.length === this.expected.length && timingSafeEqual(got, this.expected);
  }
}

/** Whether a listen address keeps a server on this host (127.0.0.0/8, ::1, localhost). */
export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address) || /^::ffff:127\./i.test(address);
}
