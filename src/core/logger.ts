// Structured logs (pino) on stderr, so stdout stays the alerts' own. The level is Falco's log_level
// (emergency alert critical error warning notice info debug) or a pino level name.
//
// Format: JSON lines (one object per line, for log collectors) or a short text line for a person
// (`12:00:01.234 WARN message key=value ...`). `auto`, the default, is text when stderr is a terminal and
// JSON otherwise; `kawa --log-format json|text` chooses.
//
// What goes to the log at info and above: counts, output names, rule names, error messages. Never an alert
// body (those go to the outputs; the debug level may show one) and never a credential: known secret-bearing
// keys are redacted wherever they appear in a log object.
import { createRequire } from 'node:module';
import type { Logger, Level } from 'pino';
import type { KawaWarningCode } from './errors.js';

export type { Logger };

export type LogFormat = 'auto' | 'json' | 'text';

const FALCO_LEVELS: Record<string, Level> = {
  emergency: 'fatal', alert: 'fatal', critical: 'fatal', error: 'error',
  warning: 'warn', notice: 'info', info: 'info', debug: 'debug',
};
const PINO_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** A Falco or pino level name → the pino level; undefined when it is neither. */
export function logLevel(name: string): Level | 'silent' | undefined {
  const n = name.toLowerCase();
  if (FALCO_LEVELS[n]) return FALCO_LEVELS[n];
  return PINO_LEVELS.has(n) ? (n as Level | 'silent') : undefined;
}

const REDACT = [
  'authorization', 'token', 'password', 'secret', 'headers', 'key',
  '*.authorization', '*.token', '*.password', '*.secret', '*.headers', '*.key',
  '*.*.authorization', '*.*.headers',
];

export interface LoggerOptions {
  level?: string;
  /** Default: the process's format (setLogFormat), else auto. */
  format?: LogFormat;
  /** Where lines go; default stderr (fd 2). Tests pass a stream. */
  destination?: NodeJS.WritableStream;
}

let processFormat: LogFormat = 'auto';

/** The format of every logger created from now on without one of its own (`kawa --log-format`). */
export function setLogFormat(format: LogFormat): void {
  processFormat = format;
}

// pino (about twenty CommonJS files, 15-20 ms of a start-up) is loaded when a logger is first used, not
// when one is made: a run over files that has nothing to log never loads it. It is CommonJS, so it can be
// required at that moment, synchronously, as a log call needs.
const requireFromHere = createRequire(import.meta.url);
let pinoModule: typeof import('pino') | undefined;
const pinoLib = () => (pinoModule ??= requireFromHere('pino') as typeof import('pino')).pino;

/** A Logger made by `make` at its first use; every property and method is the made logger's own. */
function lazyLogger(make: () => Logger): Logger {
  let made: Logger | undefined;
  const real = () => (made ??= make());
  return new Proxy({} as Logger, {
    get: (_, key) => {
      const v = Reflect.get(real(), key);
      return typeof v === 'function' ? v.bind(real()) : v;
    },
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
  });
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = logLevel(opts.level ?? 'info') ?? 'info';
  const format = opts.format ?? processFormat;
  const out = opts.destination ?? process.stderr;
  const text = format === 'text' || (format === 'auto' && (out as NodeJS.WriteStream).isTTY === true);
  return lazyLogger(() => {
    const pino = pinoLib();
    const destination = text ? textLines(out) : opts.destination ?? pino.destination({ fd: 2, sync: true });
    return pino({ name: 'kawa', level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } }, destination);
  });
}

/** A logger that discards everything (library use without logging). */
export const silentLogger: Logger = lazyLogger(() => pinoLib()({ level: 'silent' }));

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** pino's JSON lines, rewritten as `HH:MM:SS.mmm LEVEL message key=value ...` for a person. */
function textLines(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = new Date(Number(o.time)).toTimeString().slice(0, 8) + '.' + String(Number(o.time) % 1000).padStart(3, '0');
      const rest = Object.entries(o).filter(([k]) => !OMIT.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' && !/[\s"]/.test(v) ? v : JSON.stringify(v)}`);
      // a progress bar may own the current line: start at its beginning and clear it
      const clear = (out as NodeJS.WriteStream).isTTY ? '\r\x1b[K' : '';
      out.write(`${clear}${time} ${(LEVEL_NAMES[Number(o.level)] ?? 'LOG').padEnd(5)} ${String(o.msg ?? '')}${rest.length ? ` ${rest.join(' ')}` : ''}\n`);
    },
  };
}

/**
 * Node's process warnings (a dependency's deprecation notice, the AWS SDK's Node version notice) through
 * `logger` instead of Node's own multi-line text on stderr, which breaks a JSON log stream. Nothing changes
 * when Node was told to print none (`--no-warnings`, NODE_NO_WARNINGS=1: then it installed no printer).
 */
export function logProcessWarnings(logger: Logger = createLogger()): void {
  const printers = process.listeners('warning');
  if (printers.length === 0) return;
  for (const p of printers) process.off('warning', p);
  process.on('warning', (w: Error) => {
    if (w.name === 'DeprecationWarning' && process.noDeprecation) return;
    logger.warn({ code: 'KAWA_WARN_NODE' satisfies KawaWarningCode, warning: w.name }, w.message);
  });
}
