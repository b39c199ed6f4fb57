// `kawa fields [--json]`: every field kawa supports, like `falco --list`: grouped by plugin, each with its
// type, whether it is a list, its argument and a description. --json prints one array of field objects.
import type { Command } from 'commander';
import { FIELDS } from '../fields/registry.js';
import type { FieldDef } from '../fields/types.js';

const GROUPS: { plugin: FieldDef['plugin']; title: string; source: string }[] = [
  { plugin: 'k8saudit', title: 'k8saudit (Kubernetes audit events)', source: 'k8s_audit' },
  { plugin: 'json', title: 'json (any JSON event)', source: 'k8s_audit' },
  { plugin: 'kawa', title: "kawa (kawa's own)", source: 'k8s_audit' },
];

function argText(f: FieldDef): string {
  if (f.arg === 'index') return '[INDEX]';
  if (f.arg === 'key') return '[KEY]';
  return '';
}

function flags(f: FieldDef): string {
  const parts: string[] = [f.type];
  if (f.list) parts.push('list');
  if (f.arg === 'index') parts.push('optional index argument');
  if (f.arg === 'key') parts.push('required key argument');
  return parts.join(', ');
}

export function register(program: Command, setExit: (code: number) => void): void {
  program.command('fields')
    .description('list the supported fields')
    .option('--json', 'print the fields as a JSON array')
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        const list = FIELDS.map((f) => ({ name: f.name, type: f.type, list: f.list, arg: f.arg, plugin: f.plugin, description: f.description }));
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        setExit(0);
        return;
      }
      const width = Math.max(...FIELDS.map((f) => f.name.length + argText(f).length)) + 2;
      let out = '';
      for (const g of GROUPS) {
        out += `${'-'.repeat(79)}\nField Class:   ${g.title}\nEvent Sources: ${g.source}\n\n`;
        for (const f of FIELDS.filter((x) => x.plugin === g.plugin)) {
          out += `${(f.name + argText(f)).padEnd(width)}(${flags(f)}) ${f.description}\n`;
        }
        out += '\n';
      }
      process.stdout.write(out);
      setExit(0);
    });
}
