// Structured logs (pino, one JSON object per line) on stderr, so stdout stays the alerts' own. The level is
// Falco's log_level (emergency alert critical error warning notice info debug) or a pino level name.
//
// What goes to the log at info and above: counts, output names, rule names, error messages. Never an alert
// body (those go to the outputs; the debug level may show one) and never a credential: known secret-bearing
// keys are redacted wherever they appear in a log object.
import { pino, type Logger, type Level } from 'pino';

export type { Logger };

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
  /** Where lines go; default stderr (fd 2). Tests pass a stream. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = logLevel(opts.level ?? 'info') ?? 'info';
  return pino(
    { name: 'kawa', level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that discards everything (library use without logging). */
export const silentLogger: Logger = pino({ level: 'silent' });
