// Node.js built-in modules that only some runs use (HTTP and TLS for the http output and the health server,
// zlib for .gz files and compressed uploads) are loaded where they are first used, not by every command as it
// starts: together about 3 ms of each `kawa run`'s start-up (bench/RESULTS.md, step 31), for outputs and
// servers most runs never make. (child_process is not among them: commander loads it at start anyway.)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The built-in module `name`, loaded at the first call. */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
