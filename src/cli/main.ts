// The kawa command line: one module per subcommand, each exporting `register(program)`.
// Errors reach the user as `kawa: CODE: message` with a non-zero exit, never as a stack trace.
import { Command, CommanderError, Option } from 'commander';
import { KawaError } from '../core/errors.js';
import { logProcessWarnings, setLogFormat, type LogFormat } from '../core/logger.js';
import { buildInfo } from '../runtime/build-info.js';
import { register as registerCompletion } from './completion.js';
import { register as registerDemo } from './demo.js';
import { register as registerEmulator } from './emulator.js';
import { register as registerEval } from './eval.js';
import { EXAMPLES } from './examples.js';
import { register as registerExtract } from './extract.js';
import { translateFalcoArgs } from './falco-args.js';
import { register as registerFields } from './fields.js';
import { register as registerListRules } from './list-rules.js';
import { register as registerRun } from './run.js';
import { stdoutFailure, watchStdout } from './stdout.js';
import { register as registerValidate } from './validate.js';
import { register as registerVersion } from './version.js';

/** Exit codes: 0 success, 1 invalid input (rules, events, conditions), 2 usage error, 70 a bug. */
export async function main(argv: string[]): Promise<number> {
  watchStdout();
  const program = new Command('kawa')
    .description('Falco-compatible detection engine for Kubernetes audit logs')
    .version(buildInfo().version, '--version', 'print the version (kawa version: the details)')
    .addOption(new Option('--log-format <format>', 'logs on stderr: text, json, or auto (text on a terminal)').choices(['auto', 'json', 'text']).default('auto'))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(kawa <command> --help shows its options and an example)');
  let exitCode = 0;
  const setExit = (code: number) => { exitCode = code; };
  for (const register of [registerValidate, registerListRules, registerFields, registerExtract, registerEval, registerRun, registerEmulator, registerDemo, registerVersion, registerCompletion]) {
    register(program, setExit);
  }
  program.addHelpText('after', `\nExamples (from the kawa checkout, after npm install):\n${Object.values(EXAMPLES).map((e) => `  ${e}`).join('\n')}\n`);
  for (const cmd of program.commands) {
    const example = EXAMPLES[cmd.name()];
    if (example) cmd.addHelpText('after', `\nExample (from the kawa checkout):\n  ${example}\n`);
  }
  program.hook('preAction', (thisCommand) => {
    setLogFormat(thisCommand.opts<{ logFormat: LogFormat }>().logFormat);
    logProcessWarnings();
  });
  const { argv: args, said } = translateFalcoArgs(argv);
  if (said && process.stderr.isTTY) process.stderr.write(`kawa: Falco's form, run as: ${said}\n`);
  try {
    if (args.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(args, { from: 'user' });
    // a failed write to stdout is reported by an 'error' event a turn later
    await new Promise((resolve) => setImmediate(resolve));
    const failed = stdoutFailure();
    if (failed && exitCode === 0) {
      // what was written may be cut anywhere: the command did not do its job (a run has already counted
      // the alerts that did not reach stdout, and fails on them)
      process.stderr.write(`kawa: KAWA_ERR_OUTPUT: cannot write to stdout: ${failed.code ?? failed.message}\n`);
      return 1;
    }
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
