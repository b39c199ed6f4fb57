// The kawa command line: one module per subcommand, each exporting `register(program)`.
// Errors reach the user as `kawa: CODE: message` with a non-zero exit, never as a stack trace.
import { Command, CommanderError } from 'commander';
import { KawaError } from '../core/errors.js';
import { register as registerValidate } from './validate.js';
import { register as registerListRules } from './list-rules.js';
import { register as registerFields } from './fields.js';
import { register as registerExtract } from './extract.js';
import { register as registerEval } from './eval.js';
import { register as registerRun } from './run.js';
import { register as registerEmulator } from './emulator.js';
import { register as registerDemo } from './demo.js';

/** Exit codes: 0 success, 1 invalid input (rules, events, conditions), 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('kawa')
    .description('Falco-compatible detection engine for Kubernetes audit logs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode = 0;
  const setExit = (code: number) => { exitCode = code; };
  for (const register of [registerValidate, registerListRules, registerFields, registerExtract, registerEval, registerRun, registerEmulator, registerDemo]) {
    register(program, setExit);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof KawaError) {
      const where = e.location.file ? `${e.location.file}${e.location.line ? `:${e.location.line}` : ''}${e.location.column ? `:${e.location.column}` : ''}: ` : '';
      process.stderr.write(`kawa: ${where}${e.code}: ${e.message}\n`);
      return e.code === 'KAWA_ERR_USAGE' ? 2 : 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`kawa: internal error: ${message}\n`);
    if (process.env.KAWA_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 70;
  }
}

/** Signature every subcommand module exports. `setExit` sets the process exit code for a normal return. */
export type Register = (program: Command, setExit: (code: number) => void) => void;
