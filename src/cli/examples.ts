// One example per command, shown by `kawa --help` and `kawa <command> --help`. Each works as written from a
// kawa checkout after `npm install` (the directory the README starts in); test/cli/examples.test.ts runs
// every one that ends by itself.
export const EXAMPLES: Record<string, string> = {
  run: 'kawa run -r rules/ -e samples/eks-audit.jsonl.gz',
  validate: 'kawa validate -r rules/kawa-eks-rules.yaml',
  'list-rules': 'kawa list-rules -r rules/kawa-eks-rules.yaml',
  fields: 'kawa fields',
  extract: 'kawa extract -e samples/eks-audit.jsonl.gz -f ka.user.name -f ka.verb -f ka.target.resource',
  eval: "kawa eval --condition 'ka.verb=create and ka.target.resource=pods' -e samples/eks-audit.jsonl.gz",
  demo: 'kawa demo --duration 20',
  emulator: 'kawa emulator --generate /aws/eks/demo/cluster --rate 20',
  version: 'kawa version',
  completion: 'source <(kawa completion bash)',
};
