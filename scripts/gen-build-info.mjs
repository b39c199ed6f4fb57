// Writes build-info.json at the package root: the commit the package was built from (git, when the build
// runs in a checkout; "unknown" otherwise), read by `kawa version` and the kawa_build_info metric, and part
// of the rules cache's key (rules/load-cache.ts). A build from a tree with changes is "<commit>-dirty.<hash
// of the changes>": two different sets of changes are two builds, so the cache never serves rules that
// other code loaded. Run by `npm run build:ts`; the file is generated, not kept in git, and shipped in the
// package.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
let commit = 'unknown';
try {
  commit = git('rev-parse', '--short=12', 'HEAD').trim();
  if (git('status', '--porcelain').trim()) {
    const changes = createHash('sha256').update(git('diff', 'HEAD', '--binary'));
    const untracked = git('ls-files', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean);
    for (const path of untracked) changes.update(path).update(readFileSync(`${root}${path}`));
    commit += `-dirty.${changes.digest('hex').slice(0, 12)}`;
  }
} catch {
  // not a git checkout (a package being rebuilt from its tarball): the commit is unknown
}
writeFileSync(`${root}build-info.json`, `${JSON.stringify({ commit })}\n`);
