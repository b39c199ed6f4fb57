/** One rule named `listed`, as rules-file text, for the IP list tests (Falco drops it: skip-if-unknown-filter). */
export const listRule = (condition: string, output: string) => `
- rule: listed
  desc: d
  condition: ${condition}
  output: "${output}"
  priority: WARNING
  source: k8s_audit
  skip-if-unknown-filter: true
`;
