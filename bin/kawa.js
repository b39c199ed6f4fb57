#!/usr/bin/env node
// The kawa command. Everything lives in the compiled library; this file only starts it, from the bundle of
// the command line (scripts/gen-cli-bundle.mjs: one module per source file would cost start-up time).
import module from 'node:module';

// Node 22.1 and later keep the bundle's compiled code between runs (module.enableCompileCache): about 10% of
// a start. Kept in kawa's own cache directory, checked as the rules cache's is (what is kept there is code
// that runs); NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE=DIR puts it elsewhere.
if (module.enableCompileCache && !process.env.NODE_COMPILE_CACHE) {
  const { cacheDirProblem, userCacheDir } = await import('../dist/core/cache-dir.js');
  const base = userCacheDir();
  const dir = base && `${base}/node-compile`;
  if (dir && !cacheDirProblem(dir)) module.enableCompileCache(dir);
}

const { main } = await import('../dist/cli-bundle/main.js');
process.exitCode = await main(process.argv.slice(2));
