// The reference material the conformance, differential and fuzz tests read: $KAWA_SHARED, or ../shared next
// to the checkout. A plain clone has no ../shared, so the suites that need it are skipped with the reason in
// their names, and test/shared-report.ts prints how many were skipped.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const configured = process.env.KAWA_SHARED;
export const SHARED = configured ? resolve(configured) : fileURLToPath(new URL('../../shared', import.meta.url));

// a folder someone named on purpose must be there; only the default may be absent
if (configured && !existsSync(join(SHARED, 'conformance'))) throw new Error(`KAWA_SHARED=${configured}: no conformance/ folder there`);

export const HAS_SHARED = existsSync(join(SHARED, 'conformance'));

/** Appended to the name of every suite or test skipped for want of the shared data; the reporter counts it. */
export const SKIP_TAG = '[skipped: ../shared is missing]';

/** A path inside the shared reference material. */
export const shared = (...parts: string[]): string => join(SHARED, ...parts);

/** A describe that needs the shared data: skipped, saying so, when it is absent. Its body is not even
 *  collected then, because collecting may read the data (a skipped describe's body still runs). */
export function describeShared(name: string, body: () => void): void {
  if (HAS_SHARED) describe(name, body);
  else describe.skip(`${name} ${SKIP_TAG}`, () => {});
}

/** An it that needs the shared data, for files where only some tests do. */
export function itShared(name: string, body: () => unknown, timeout?: number): void {
  if (HAS_SHARED) it(name, body, timeout);
  else it.skip(`${name} ${SKIP_TAG}`, body);
}
