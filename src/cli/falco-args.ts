// Falco's own command-line habits, accepted at the top level so that a Falco user's fingers work:
//
//   falco -c falco.yaml -r rules.yaml [-o k=v]...   →  kawa run -c falco.yaml -r rules.yaml ...
//   falco -V rules.yaml [-V more.yaml]              →  kawa validate -r rules.yaml -r more.yaml
//   falco -L [-c ...] [-r ...]                      →  kawa list-rules ...
//   falco --list [k8s_audit]                        →  kawa fields
//   falco -e events.json                            →  kawa run -e events.json
//
// Only when no kawa command is named: the first argument is an option. A translation is said once on
// stderr when it is a terminal (a person, who may want to learn kawa's own form).
export interface Translation {
  argv: string[];
  /** The kawa command line it became, for the hint. */
  said?: string;
}

const VALIDATE = new Set(['-V', '--validate']);
const LIST_RULES = new Set(['-L']);
const LIST_FIELDS = new Set(['--list']);
/** Falco options with a value that kawa's run takes the same way. */
const RUN_OPTIONS = new Set(['-c', '-r', '-o', '-e', '--option']);

export function translateFalcoArgs(argv: string[]): Translation {
  const first = argv[0];
  if (!first || !first.startsWith('-') || first === '-h' || first === '--help' || first === '--version' || first === '--log-format') return { argv };
  if (argv.some((a) => LIST_FIELDS.has(a))) return said(['fields']);
  if (argv.some((a) => VALIDATE.has(a))) {
    const out = ['validate'];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (VALIDATE.has(a) || a === '-r') {
        // `-V -r rules.yaml`: this -V names no file of its own
        if (argv[i + 1] !== undefined && !(VALIDATE.has(a) && argv[i + 1]!.startsWith('-'))) out.push('-r', argv[++i]!);
      } else if (a === '-c') {
        if (argv[i + 1] !== undefined) out.push('-c', argv[++i]!);
      } else {
        out.push(a);
      }
    }
    return said(out);
  }
  if (argv.some((a) => LIST_RULES.has(a))) return said(['list-rules', ...argv.filter((a) => !LIST_RULES.has(a))]);
  if (RUN_OPTIONS.has(first)) return said(['run', ...argv]);
  return { argv };
}

function said(argv: string[]): Translation {
  return { argv, said: `kawa ${argv.join(' ')}` };
}
