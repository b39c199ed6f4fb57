// The file source's descriptor: `kawa run -e PATH...` reads files, directories or stdin ('-') and ends with
// its input. Large inputs are evaluated by one worker per core by default. JSON-lines files are handed to
// the evaluator as byte ranges, which it reads itself (a worker, or the main thread without workers).
import { availableParallelism } from 'node:os';
import { defineSource } from '../kind.js';
import { findPlugin, initInteger } from '../plugins.js';
import { FileSource, planInputs } from './source.js';

export interface FileSourceConfig {
  /** Files, directories and '-' (stdin), in the order given. */
  inputs: string[];
  /** The k8saudit plugin block's maxEventSize, when it named the input. */
  maxEventSize?: number;
}

/** Report kinds (each counted in the run's summary) of an input not read to its end. */
const DAMAGED = 'damaged input';
const UNREADABLE = 'unreadable input';

/** Inputs smaller than this are evaluated on the main thread unless --workers says otherwise: starting a
 *  thread costs about 100 ms, more than it saves on a small input. */
const POOL_MIN_BYTES = 8 << 20;
/** Byte ranges the evaluator reads of a JSON-lines file (about 2,500 EKS events each). */
const RANGE_BYTES = 4 << 20;

export const fileSource = defineSource({
  name: 'file',
  description: 'files, directories or stdin (-e PATH, repeatable)',
  flags: [{ flags: '-e, --events <file>', description: 'events: JSON lines, JSON documents, .gz, a directory, or - for stdin (repeatable)', repeatable: true }],
  selector: 'events',
  configSelects: (config) => config !== undefined,
  service: () => false,
  // Falco's k8saudit plugin with a path as open_params reads that file or folder once, as `-e PATH` does
  readConfig: (view): FileSourceConfig | undefined => {
    const plugin = findPlugin(view, 'k8saudit');
    if (!plugin || !plugin.openParams || /^https?:\/\//.test(plugin.openParams)) return undefined;
    if (plugin.openParams.startsWith('file://')) {
      view.fail(['plugins', plugin.index, 'open_params'], 'kawa does not follow a growing file (file://): read it once with a plain path, or kawa run -e PATH');
    }
    return { inputs: [plugin.openParams], maxEventSize: initInteger(view, plugin, 'maxEventSize', 262_144) };
  },
  applyFlags: (base, flags) => ({ ...base, inputs: (flags.events as string[] | undefined) ?? base?.inputs ?? [] }),
  engineOptions: (config: FileSourceConfig) => (config.maxEventSize !== undefined ? { maxEventSize: config.maxEventSize } : {}),
  defaultWorkers: async (config: FileSourceConfig) => ((await planInputs(config.inputs)).bytes >= POOL_MIN_BYTES ? availableParallelism() : 0),
  open: async (config: FileSourceConfig, ctx) => {
    const plan = await planInputs(config.inputs);
    return new FileSource(plan.files, {
      totalBytes: plan.sized ? plan.bytes : 0,
      rangeBytes: RANGE_BYTES,
      streamPieces: ctx.workers > 0,
      pipeThread: ctx.workers === 0,
      onTooLarge: (file, line, length) =>
        ctx.report('too large', 'KAWA_ERR_EVENT_TOO_LARGE', `${file}:${line}`, `${length} bytes, more than the line limit, skipped`),
      onDamaged: (file, line, code, message) =>
        ctx.report(code === 'KAWA_ERR_INPUT_DAMAGED' ? DAMAGED : UNREADABLE, code, line ? `${file}:${line}` : file, message),
    });
  },
});
