// Writes build-info.json at the package root: the commit the package was built from (git, when the build
// runs in a checkout; "unknown" otherwise), read by `kawa version` and the kawa_build_info metric. Run by
// `npm run build`; the file is generated, not kept in git, and shipped in the package.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  if (dirty) commit += '-dirty';
} catch {
  // not a git checkout (a package being rebuilt from its tarball): the commit is unknown
}
writeFileSync(`${root}build-info.json`, `${JSON.stringify({ commit })}\n`);
