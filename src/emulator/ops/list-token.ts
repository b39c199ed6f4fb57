// nextToken of the Describe* operations: base64url of {offset, query hash}. A token replayed with other
// parameters is InvalidParameterException, as for FilterLogEvents.
import { invalidParameter } from '../aws-error.js';
import { queryHash } from '../page-token.js';

export function listToken(offset: number, query: unknown[]): string {
  return Buffer.from(JSON.stringify({ o: offset, h: queryHash(query) })).toString('base64url');
}

export function listOffset(token: string | undefined, query: unknown[]): number {
  if (token === undefined) return 0;
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o: unknown; h: unknown };
    if (Number.isInteger(t.o) && (t.o as number) >= 0 && t.h === queryHash(query)) return t.o as number;
  } catch {
    // fall through to the AWS error below
  }
  throw invalidParameter('The specified nextToken is invalid.');
}
