// The entry of the child process a rules reload compiles in (load-in-child.ts): take the files and options
// from the parent, load, send the result, end.
import { loadRulesFiles } from '../rules/load.js';
import type { LoadOptions } from '../rules/types.js';

process.once('message', (m) => {
  const { files, opts } = m as { files: string[]; opts: LoadOptions };
  process.send!(loadRulesFiles(files, opts), () => process.disconnect());
});
