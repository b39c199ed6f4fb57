// PLACEHOLDER while the command is being written; replaced by its owner.
import type { Command } from 'commander';

export function register(program: Command, _setExit: (code: number) => void): void {
  program.command('run').description('(being written)').allowUnknownOption().action(() => {
    throw new Error('run is not written yet');
  });
}
