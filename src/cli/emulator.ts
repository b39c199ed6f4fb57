// `kawa emulator`: a local CloudWatch Logs endpoint (AWS JSON 1.1) for trying kawa, testing rules and
// CI. Knobs come from a JSON config file, then flags (flags win); the control API at /_emu/... changes
// them at runtime. Prints `listening on <url>` once ready; SIGINT/SIGTERM close it and exit 0.
import type { Command } from 'commander';
import { KawaError } from '../core/errors.js';
import { MAX_CONFIG_FILE_BYTES, readUpTo } from '../core/read-up-to.js';
import { applyConfigPatch, defaultConfig, MAX_GENERATOR_RATE, MAX_GENERATOR_STREAMS, type EmulatorConfig } from '../emulator/config.js';
import { parseEventLines } from '../emulator/insert.js';

interface Options {
  port: string;
  host: string;
  config?: string;
  seed?: string;
  virtualClock?: boolean;
  maxEventsPerGroup?: string;
  visibilityDelay?: string;
  quota: string[];
  fault: string[];
  sharedNamespace?: boolean;
  load: string[];
  group?: string;
  stream?: string;
  generate?: string;
  rate?: string;
  streams?: string;
  rotateEvery?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The most bytes of one --load file: the emulator keeps what it loads in memory (about 1 KB an event). */
const MAX_LOAD_FILE_BYTES = 256 * 1024 * 1024;

function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new KawaError('KAWA_ERR_USAGE', `${flag} expects an integer ${range}, got '${text}'`);
  }
  return n;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readUpTo(path, MAX_CONFIG_FILE_BYTES).toString('utf8');
  } catch (e) {
    throw new KawaError('KAWA_ERR_CONFIG', `cannot read emulator config: ${(e as Error).message}`, { file: path });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KawaError('KAWA_ERR_CONFIG', `emulator config is not valid JSON: ${(e as Error).message}`, { file: path });
  }
}

/** Config file, then each flag as a patch on top. */
export function configFromOptions(o: Options): EmulatorConfig {
  let config = defaultConfig();
  if (o.config) {
    try {
      config = applyConfigPatch(config, readConfigFile(o.config));
    } catch (e) {
      if (e instanceof KawaError && !e.location.file) throw new KawaError(e.code, e.message, { file: o.config });
      throw e;
    }
  }
  const patch: Record<string, unknown> = {};
  if (o.seed !== undefined) patch.seed = integer('--seed', o.seed, 0);
  if (o.virtualClock) patch.clock = { virtual: true };
  if (o.maxEventsPerGroup !== undefined) patch.maxEventsPerGroup = integer('--max-events-per-group', o.maxEventsPerGroup, 1);
  if (o.visibilityDelay !== undefined) patch.visibility = { delay: integer('--visibility-delay', o.visibilityDelay, 0) };
  if (o.sharedNamespace) patch.namespaceBy = 'none';
  if (o.quota.length) {
    patch.quota = Object.fromEntries(o.quota.map((q) => {
      const m = /^(\w+)=(\d+(?:\.\d+)?)$/.exec(q);
      if (!m) throw new KawaError('KAWA_ERR_USAGE', `--quota expects <Operation>=<requests per second>, got '${q}'`);
      return [m[1], Number(m[2])];
    }));
  }
  if (o.fault.length) {
    patch.faults = [...config.faults, ...o.fault.map((f) => {
      try {
        return JSON.parse(f) as unknown;
      } catch {
        throw new KawaError('KAWA_ERR_USAGE', `--fault expects a JSON fault rule, e.g. '{"kind":"throttle","ops":["FilterLogEvents"],"count":3}', got '${f}'`);
      }
    })];
  }
  if (o.generate) {
    const generator: Record<string, unknown> = { group: o.generate };
    if (o.rate !== undefined) generator.ratePerSec = integer('--rate', o.rate, 1, MAX_GENERATOR_RATE);
    if (o.streams !== undefined) generator.streams = integer('--streams', o.streams, 1, MAX_GENERATOR_STREAMS);
    if (o.rotateEvery !== undefined) generator.rotateEveryMs = integer('--rotate-every', o.rotateEvery, 0);
    patch.generators = [...config.generators, generator];
  }
  return applyConfigPatch(config, patch);
}

export function register(program: Command, _setExit: (code: number) => void): void {
  program
    .command('emulator')
    .description('run a local CloudWatch Logs emulator (AWS JSON 1.1 endpoint + /_emu control API)')
    .option('--port <n>', 'TCP port (0 picks a free one)', '4599')
    .option('--host <addr>', 'address to listen on (keep it loopback: there is no real authentication)', '127.0.0.1')
    .option('--config <file>', 'JSON file with emulator knobs (flags override it)')
    .option('--seed <n>', 'seed of every probabilistic knob')
    .option('--virtual-clock', 'time moves only through POST /_emu/clock {"advanceMs":N}')
    .option('--max-events-per-group <n>', 'bounded memory: cap on stored events per log group')
    .option('--visibility-delay <ms>', 'events become readable this long after ingestion')
    .option('--quota <Op=tps>', 'token-bucket quota, e.g. FilterLogEvents=5 (repeatable)', collect, [])
    .option('--fault <json>', 'fault rule, e.g. \'{"kind":"throttle","count":3}\' (repeatable)', collect, [])
    .option('--shared-namespace', 'one store for every access key and region (default: per key + region, like AWS accounts)')
    .option('--load <file>', 'seed events from NDJSON (FilterLogEvents-shaped lines or raw audit events) into --group (repeatable)', collect, [])
    .option('--group <name>', 'log group for --load', '/aws/eks/kawa-demo/cluster')
    .option('--stream <name>', 'stream for --load lines that name none', 'kube-apiserver-audit-00000000000000000000000000000000')
    .option('--generate <group>', 'write synthetic EKS audit events into this group as time passes')
    .option('--rate <n>', 'generator events per second')
    .option('--streams <n>', 'generator concurrent streams')
    .option('--rotate-every <ms>', 'generator stream rotation period')
    .action(async (o: Options) => {
      const port = integer('--port', o.port, 0, 65535);
      const config = configFromOptions(o);
      // the server (and the AWS SDK its subscription forwarding uses) loads only for this command
      const { startEmulator } = await import('../emulator/index.js');
      const emulator = await startEmulator({ port, host: o.host, config }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
          throw new KawaError('KAWA_ERR_USAGE', `emulator: cannot listen on ${o.host}:${port}: ${e.code} (another --port, or 0 for a free one)`);
        }
        throw e;
      });
      for (const file of o.load) {
        let text: string;
        try {
          text = readUpTo(file, MAX_LOAD_FILE_BYTES).toString('utf8');
        } catch (e) {
          await emulator.close();
          throw new KawaError('KAWA_ERR_INPUT_READ', `cannot read events: ${(e as Error).message}`, { file });
        }
        // every --load adds to the group: files are loaded in the order given
        const { inserted } = emulator.control.insert({ group: o.group!, defaultStream: o.stream, events: parseEventLines(text, emulator.control.now()) });
        const where = config.namespaceBy === 'none' ? 'shared by every access key and region'
          : config.namespaceBy === 'accountAndRegion' ? `account ${config.accounts[config.defaultAccessKeyId] ?? config.accountId}, ${config.defaultRegion}`
            : `access key ${config.defaultAccessKeyId}${config.namespaceBy === 'region' ? ' or any other' : ''}, ${config.defaultRegion}`;
        process.stderr.write(`kawa emulator: loaded ${inserted} events from ${file} into ${o.group} (${where})\n`);
      }
      process.stdout.write(`listening on ${emulator.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void emulator.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
