// `kawa version [--json]`: the version, the commit it was built from, the Node.js running it, its
// WebAssembly program format and the Falco rules engine version it implements. `kawa --version` prints the
// version alone.
import type { Command } from 'commander';
import { buildInfo } from '../runtime/build-info.js';

export function register(program: Command, setExit: (code: number) => void): void {
  program.command('version')
    .description('print the version, commit, Node.js, engine and rules engine versions')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const b = buildInfo();
      process.stdout.write(opts.json
        ? `${JSON.stringify(b)}\n`
        : `kawa ${b.version}\ncommit: ${b.commit}\nnode: ${b.node}\nengine: wasm program format ${b.engine}\nrules engine: ${b.rulesEngine} (Falco's, for required_engine_version)\n`);
      setExit(0);
    });
}
