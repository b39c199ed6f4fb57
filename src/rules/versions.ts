// Engine and plugin version requirements of rules files (required_engine_version, required_plugin_versions).
// Versions are Falco's sinsp_version: "x.y.z" read as three unsigned decimals; text after z is ignored.

/** The Falco engine version kawa implements (falcosecurity/falco 1307474). */
export const ENGINE_VERSION = '0.63.0';

/** The plugins kawa stands in for, with the versions whose fields and behaviour it reproduces. */
export const PROVIDED_PLUGINS: Readonly<Record<string, string>> = {
  k8saudit: '0.18.0',
  'k8saudit-eks': '0.12.0',
  json: '0.7.0',
};

export type Version = [number, number, number];

export function parseVersion(text: string): Version | undefined {
  const m = /^\s*(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function versionText(v: Version): string {
  return v.join('.');
}

/** Same major version and at least the required one. */
export function compatible(have: Version, required: Version): boolean {
  if (have[0] !== required[0]) return false;
  for (let i = 1; i < 3; i++) if (have[i] !== required[i]) return have[i]! > required[i]!;
  return true;
}

export interface PluginRequirement { name: string; version: string }

/**
 * Checks one required_plugin_versions entry (a requirement and its alternatives) against the provided
 * plugins: the first alternative naming a provided plugin decides. Returns Falco's message, or null.
 */
export function checkPluginRequirement(alternatives: PluginRequirement[]): string | null {
  for (const alt of alternatives) {
    const have = PROVIDED_PLUGINS[alt.name];
    if (have === undefined) continue;
    if (compatible(parseVersion(have)!, parseVersion(alt.version)!)) return null;
    break;
  }
  const list = alternatives.map((a) => `${a.name} (>= ${a.version})`).join(', ');
  return `Plugin requirement not satisfied, must load one of: ${list}`;
}
