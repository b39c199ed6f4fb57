// Reference field extraction: spec fields.md sections 4-8, written as directly as possible over a
// JSON.parse'd event. Deliberately slow and plain; it exists to check the WebAssembly extractors.
//
// Limits (inputs where this reference is not the specification, so the differential test avoids them):
// JSON.parse keeps the last duplicate key and normalises number text and string escapes, so only payloads
// that JSON.stringify reproduces byte for byte ("canonical") are compared.
//
// A value is `string[]` (scalar fields give one string) or null: not extracted (missing, error, empty list).

export type Values = string[] | null;
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface RefEvent {
  /** The payload as parsed. */
  doc: Json;
  timeNs: bigint;
  truncated: boolean;
}

const MISSING = Symbol('missing');
type Got = Json | typeof MISSING;

const isObject = (v: Got): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** fastjson Get on one key: object member, or array index in Go Atoi syntax. */
export function get(v: Got, key: string): Got {
  if (isObject(v)) return Object.prototype.hasOwnProperty.call(v, key) ? v[key] : MISSING;
  if (Array.isArray(v)) {
    if (!/^[+-]?\d+$/.test(key)) return MISSING;
    const n = BigInt(key);
    if (n < 0n || n >= BigInt(v.length)) return MISSING;
    return v[Number(n)];
  }
  return MISSING;
}

function path(v: Got, keys: string[]): Got {
  for (const k of keys) v = get(v, k);
  return v;
}

/** A string's content (cut at NUL, as libsinsp measures C strings), anything else as compact JSON. */
export function asString(v: Json): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const nul = s.indexOf('\u0000');
  return nul < 0 ? s : s.slice(0, nul);
}

const nonEmpty = (xs: string[]): Values => (xs.length ? xs : null);

/** S(path) */
function scalar(ev: Json, keys: string[]): Values {
  const v = path(ev, keys);
  return v === MISSING ? null : [asString(v)];
}

/** L(path) */
function list(ev: Json, keys: string[]): Values {
  const v = path(ev, keys);
  if (v === MISSING || !Array.isArray(v)) return null;
  return nonEmpty(v.map(asString));
}

const NIL = Symbol('nil');
type Slot = Json | typeof NIL;

/** W(path, i): fields.md section 5, line by line. null = not-available. */
function walk(v: Got, keys: string[], index: number | undefined): Slot[] | null {
  for (let p = 0; p < keys.length; p++) {
    if (Array.isArray(v)) {
      if (index === undefined) {
        const result: Slot[] = [];
        for (const e of v) {
          const r = walk(e, keys.slice(p), undefined);
          if (r === null) result.push(NIL);
          else result.push(...r);
        }
        return result;
      }
      if (index >= v.length) return null;
      v = v[index];
    }
    const k = keys[p];
    v = k === '' ? v : get(v, k);
    if (v === MISSING) return null;
  }
  return [v as Json];
}

const skip = (slots: Slot[]) => slots.filter((s): s is Json => s !== NIL).map(asString);
const strict = (slots: Slot[]): string[] | null => (slots.includes(NIL) ? null : (slots as Json[]).map(asString));

export const repository = (image: string) => image.split(':')[0].split('@')[0];

/** An index argument: undefined = none; 'bad' = an index the plugin cannot use (no value). */
function parseIndex(arg: string | undefined): number | undefined | 'bad' {
  if (arg === undefined) return undefined;
  const n = BigInt(arg);
  if (n === 2n ** 64n - 1n) return undefined;
  if (n >= 2n ** 63n) return 'bad';
  return Number(n);
}

type Extract = (ev: Json, arg: string | undefined, e: RefEvent) => Values;

const RO = ['requestObject'];
const SPEC = ['requestObject', 'spec'];

function walkSkip(keys: string[]): Extract {
  return (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const slots = walk(ev, keys, i);
    return slots === null ? null : nonEmpty(skip(slots));
  };
}

function walkStrict(keys: string[], map: (s: string) => string = (s) => s): Extract {
  return (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const slots = walk(ev, keys, i);
    const values = slots === null ? null : strict(slots);
    return values === null ? null : nonEmpty(values.map(map));
  };
}

/** RULES: attribute arrays of requestObject.rules, flattened. */
function ruleAttr(key: string): Extract {
  return (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const slots = walk(ev, [...RO, 'rules', key], i);
    if (slots === null) return null;
    const out: string[] = [];
    for (const s of slots) if (s !== NIL && Array.isArray(s)) out.push(...s.map(asString));
    return nonEmpty(out);
  };
}

/** CMD: command/args joined with spaces per container. */
function command(keys: string[]): Extract {
  return (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const slots = walk(ev, keys, i);
    if (slots === null) return null;
    const out: string[] = [];
    for (const s of slots) {
      if (s === NIL) continue;
      if (!Array.isArray(s) || !s.every((x) => typeof x === 'string')) return null;
      out.push(asString(s.join(' ')));
    }
    return nonEmpty(out);
  };
}

/** SUBJ / SUBJ-NS */
function subjects(kind: string, withNamespace: boolean): Extract {
  return (ev) => {
    const subs = path(ev, [...RO, 'subjects']);
    if (subs === MISSING) return null;
    if (!Array.isArray(subs)) return null;
    const out: string[] = [];
    for (const s of subs) {
      const k = get(s, 'kind');
      const n = get(s, 'name');
      if (k === MISSING || n === MISSING || asString(k) !== kind) continue;
      if (withNamespace) {
        const ns = get(s, 'namespace');
        if (ns === MISSING) continue;
        out.push(`${asString(ns)}:${asString(n)}`);
      } else out.push(asString(n));
    }
    return nonEmpty(out);
  };
}

/** EFF (project decision 3): container securityContext, else pod securityContext, else "0". */
function effective(list: string, key: string): Extract {
  return (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const pod = path(ev, [...SPEC, 'securityContext', key]);
    const dflt = pod === MISSING ? '0' : asString(pod);
    const slots = walk(ev, [...SPEC, list, ''], i);
    if (slots === null) return null;
    const out: string[] = [];
    for (const c of slots) {
      if (c === NIL) continue;
      const own = get(c, 'securityContext');
      const v = own === MISSING ? MISSING : get(own, key);
      out.push(v === MISSING ? dflt : asString(v));
    }
    return nonEmpty(out);
  };
}

/** add_capabilities (project decision 4): one entry per capability, flattened. */
function capabilities(list: string): Extract {
  return (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const slots = walk(ev, [...SPEC, list, 'securityContext', 'capabilities', 'add'], i);
    if (slots === null) return null;
    const out: string[] = [];
    for (const s of slots) {
      if (s === NIL) continue;
      if (Array.isArray(s)) out.push(...s.map(asString));
      else out.push(asString(s));
    }
    return nonEmpty(out);
  };
}

/** HOSTPORT */
function hostPorts(list: string): Extract {
  return (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const slots = walk(ev, [...SPEC, list, 'ports'], i);
    if (slots === null) return null;
    const out: string[] = [];
    for (const s of slots) {
      if (s === NIL) continue;
      if (!Array.isArray(s)) return null;
      for (const p of s) {
        const hp = get(p, 'hostPort');
        const cp = get(p, 'containerPort');
        if (hp !== MISSING) out.push(asString(hp));
        else if (cp !== MISSING) out.push(asString(cp));
      }
    }
    return nonEmpty(out);
  };
}

/** ka.uri.param: Go net/url parsing, reduced to the failure causes of fields.md 7.1. */
function uriParam(ev: Json, arg: string | undefined): Values {
  const uri = path(ev, ['requestURI']);
  if (uri === MISSING || arg === undefined) return null;
  const u = asString(uri);
  if (/[\u0000-\u001f\u007f]/.test(u) || u.startsWith(':')) return null;
  const hash = u.indexOf('#');
  const beforeFragment = hash < 0 ? u : u.slice(0, hash);
  if (hash >= 0 && !validEscapes(u.slice(hash + 1))) return null;
  const q = beforeFragment.indexOf('?');
  const pathPart = q < 0 ? beforeFragment : beforeFragment.slice(0, q);
  if (!validEscapes(pathPart)) return null;
  const firstSegment = pathPart.split('/')[0];
  if (firstSegment.includes(':') && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(pathPart)) return null;
  if (q < 0) return null;
  const found = new Map<string, string>();
  for (const part of beforeFragment.slice(q + 1).split('&')) {
    if (part === '') continue;
    if (part.includes(';')) return null;
    const eq = part.indexOf('=');
    const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    if (key === null || value === null) return null;
    if (!found.has(key)) found.set(key, value);
  }
  const v = found.get(arg);
  return v === undefined ? null : [v];
}

const validEscapes = (s: string) => !/%(?![0-9A-Fa-f]{2})/.test(s);

function queryUnescape(s: string): string | null {
  if (!validEscapes(s)) return null;
  const bytes = Buffer.from(s.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return bytes.toString('utf8');
}

/** json.value: RFC 6901 pointer, one leading '/' optional. */
function jsonValue(ev: Json, arg: string | undefined): Values {
  if (arg === undefined) return null;
  if (arg === '') return [JSON.stringify(ev)];
  const segments = (arg.startsWith('/') ? arg.slice(1) : arg).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const v = path(ev, segments);
  return v === MISSING ? null : [asString(v)];
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

function containerFields(): Record<string, Extract> {
  const out: Record<string, Extract> = {};
  for (const l of CONTAINER_LISTS) {
    const base = [...SPEC, l];
    const f = `ka.req.pod.${l}`;
    out[`${f}.name`] = walkStrict([...base, 'name']);
    out[`${f}.image`] = walkStrict([...base, 'image']);
    out[`${f}.image.repository`] = walkStrict([...base, 'image'], repository);
    out[`${f}.command`] = command([...base, 'command']);
    out[`${f}.args`] = command([...base, 'args']);
    out[`${f}.privileged`] = walkSkip([...base, 'securityContext', 'privileged']);
    out[`${f}.allow_privilege_escalation`] = walkSkip([...base, 'securityContext', 'allowPrivilegeEscalation']);
    out[`${f}.read_only_fs`] = walkSkip([...base, 'securityContext', 'readOnlyRootFilesystem']);
    out[`${f}.run_as_user`] = walkSkip([...base, 'securityContext', 'runAsUser']);
    out[`${f}.run_as_group`] = walkSkip([...base, 'securityContext', 'runAsGroup']);
    out[`${f}.eff_run_as_user`] = effective(l, 'runAsUser');
    out[`${f}.eff_run_as_group`] = effective(l, 'runAsGroup');
    out[`${f}.proc_mount`] = walkSkip([...base, 'securityContext', 'procMount']);
    out[`${f}.add_capabilities`] = capabilities(l);
    if (l !== 'ephemeralContainers') out[`${f}.host_port`] = hostPorts(l);
  }
  return out;
}

const s = (...keys: string[]): Extract => (ev) => scalar(ev, keys);
const annotation = (key: string): Extract => s('annotations', key);

/** k8saudit fields: every one is gated on a root object with an auditID member (section 4.3). */
const K8SAUDIT: Record<string, Extract> = {
  'ka.auditid': s('auditID'),
  'ka.stage': s('stage'),
  'ka.auth.decision': annotation('authorization.k8s.io/decision'),
  'ka.auth.reason': annotation('authorization.k8s.io/reason'),
  'ka.auth.openshift.decision': annotation('authentication.openshift.io/decision'),
  'ka.auth.openshift.username': annotation('authentication.openshift.io/username'),
  'ka.validations.admission.policy.failure': annotation('validation.policy.admission.k8s.io/validation_failure'),
  'ka.security.pod.violations': annotation('pod-security.kubernetes.io/audit-violations'),
  'ka.cluster.name': annotation('cluster_name'),
  'ka.user.name': s('user', 'username'),
  'ka.user.groups': (ev) => list(ev, ['user', 'groups']),
  'ka.impuser.name': s('impersonatedUser', 'username'),
  'ka.verb': s('verb'),
  'ka.uri': s('requestURI'),
  'ka.uri.param': uriParam,
  'ka.useragent': s('userAgent'),
  // project decision 2: the event's own sourceIPs
  'ka.sourceips': (ev, arg) => {
    const all = list(ev, ['sourceIPs']);
    const i = parseIndex(arg);
    if (i === 'bad' || all === null) return null;
    if (i === undefined) return all;
    return i < all.length ? [all[i]] : null;
  },
  'ka.target.name': s('objectRef', 'name'),
  'ka.target.namespace': s('objectRef', 'namespace'),
  'ka.target.resource': s('objectRef', 'resource'),
  'ka.target.subresource': s('objectRef', 'subresource'),
  'ka.target.pod.name': (ev) => {
    const r = path(ev, ['objectRef', 'resource']);
    const sub = path(ev, ['objectRef', 'subresource']);
    if (r !== 'pods' || (typeof sub === 'string' && sub !== '')) return null;
    return scalar(ev, ['responseObject', 'metadata', 'name']);
  },
  'ka.resp.name': s('responseObject', 'metadata', 'name'),
  'ka.response.code': s('responseStatus', 'code'),
  'ka.response.reason': s('responseStatus', 'reason'),
  'ka.req.binding.subjects': (ev) => list(ev, [...RO, 'subjects']),
  'ka.req.binding.subjects.user_names': subjects('User', false),
  'ka.req.binding.subjects.serviceaccount_names': subjects('ServiceAccount', false),
  'ka.req.binding.subjects.serviceaccount_ns_names': subjects('ServiceAccount', true),
  'ka.req.binding.subjects.group_names': subjects('Group', false),
  'ka.req.binding.role': s(...RO, 'roleRef', 'name'),
  'ka.req.binding.subject.has_name': () => ['true'],
  'ka.req.configmap.name': s('objectRef', 'name'),
  'ka.req.configmap.obj': s(...RO, 'data'),
  'ka.req.role.rules': (ev) => list(ev, [...RO, 'rules']),
  'ka.req.role.rules.apiGroups': ruleAttr('apiGroups'),
  'ka.req.role.rules.nonResourceURLs': ruleAttr('nonResourceURLs'),
  'ka.req.role.rules.verbs': ruleAttr('verbs'),
  'ka.req.role.rules.resources': ruleAttr('resources'),
  'ka.req.service.type': s(...SPEC, 'type'),
  'ka.req.service.ports': walkSkip([...SPEC, 'ports']),
  'ka.req.pod.host_ipc': s(...SPEC, 'hostIPC'),
  'ka.req.pod.host_network': s(...SPEC, 'hostNetwork'),
  'ka.req.container.host_network': s(...SPEC, 'hostNetwork'),
  'ka.req.pod.host_pid': s(...SPEC, 'hostPID'),
  'ka.req.pod.run_as_user': s(...SPEC, 'securityContext', 'runAsUser'),
  'ka.req.pod.run_as_group': s(...SPEC, 'securityContext', 'runAsGroup'),
  'ka.req.pod.fs_group': s(...SPEC, 'securityContext', 'fsGroup'),
  'ka.req.pod.supplemental_groups': (ev) => list(ev, [...SPEC, 'securityContext', 'supplementalGroups']),
  'ka.req.pod.volumes.hostpath': walkSkip([...SPEC, 'volumes', 'hostPath', 'path']),
  'ka.req.pod.volumes.flexvolume_driver': walkSkip([...SPEC, 'volumes', 'flexVolume', 'driver']),
  'ka.req.pod.volumes.volume_type': (ev, arg) => {
    const i = parseIndex(arg);
    if (i === 'bad') return null;
    const slots = walk(ev, [...SPEC, 'volumes', ''], i);
    if (slots === null) return null;
    const out: string[] = [];
    for (const v of slots) if (v !== NIL && isObject(v)) out.push(...Object.keys(v).filter((k) => k !== 'name'));
    return nonEmpty(out);
  },
  'ka.req.volume.hostpath': (ev, arg) => {
    const slots = walk(ev, [...SPEC, 'volumes', 'hostPath', 'path'], undefined);
    if (slots === null || arg === undefined || arg === '') return null;
    const prefix = arg.endsWith('*') ? arg.slice(0, -1) : undefined;
    const hit = skip(slots).some((v) => v === arg || (prefix !== undefined && v.startsWith(prefix)));
    return [hit ? 'true' : 'false'];
  },
  'ka.req.container.image': (ev) => {
    const slots = walk(ev, [...SPEC, 'containers', 'image'], 0);
    return slots === null || slots.length === 0 || slots[0] === NIL ? null : [asString(slots[0])];
  },
  'ka.req.container.image.repository': (ev) => {
    const slots = walk(ev, [...SPEC, 'containers', 'image'], 0);
    return slots === null || slots.length === 0 || slots[0] === NIL ? null : [repository(asString(slots[0]))];
  },
  'ka.req.container.privileged': (ev) => {
    const slots = walk(ev, [...SPEC, 'containers', 'securityContext', 'privileged'], undefined);
    if (slots === null) return null;
    return [slots.some((v) => v === true) ? 'true' : 'false'];
  },
  ...containerFields(),
};

const JSON_FIELDS: Record<string, Extract> = {
  'json.value': jsonValue,
  'json.obj': (ev) => [JSON.stringify(ev, null, 2)],
  'json.rawtime': (_ev, _arg, e) => [e.timeNs.toString()],
};
JSON_FIELDS['jevt.value'] = JSON_FIELDS['json.value'];
JSON_FIELDS['jevt.obj'] = JSON_FIELDS['json.obj'];
JSON_FIELDS['jevt.rawtime'] = JSON_FIELDS['json.rawtime'];

/** List fields print as `(a,b)` and take only in/intersects/exists. */
export const LIST_FIELDS = new Set([
  'ka.user.groups', 'ka.sourceips', 'ka.req.binding.subjects', 'ka.req.binding.subjects.user_names',
  'ka.req.binding.subjects.serviceaccount_names', 'ka.req.binding.subjects.serviceaccount_ns_names',
  'ka.req.binding.subjects.group_names', 'ka.req.role.rules', 'ka.req.role.rules.apiGroups',
  'ka.req.role.rules.nonResourceURLs', 'ka.req.role.rules.verbs', 'ka.req.role.rules.resources',
  'ka.req.service.ports', 'ka.req.pod.supplemental_groups', 'ka.req.pod.volumes.hostpath',
  'ka.req.pod.volumes.flexvolume_driver', 'ka.req.pod.volumes.volume_type',
  ...Object.keys(containerFields()),
]);

function hasNul(v: Json): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v !== null && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}

/** The values of `name[arg]` on the event. Throws for a field this reference does not know. */
export function extract(name: string, arg: string | undefined, e: RefEvent): Values {
  if (name === 'kawa.truncated') return [e.truncated ? 'true' : 'false'];
  // JSON.parse keeps one of duplicate keys, so a parsed document never shows any (and canonical payloads have none)
  if (name === 'kawa.duplicate_keys') return ['false'];
  if (name === 'kawa.nul_value') return [hasNul(e.doc) ? 'true' : 'false'];
  const json = JSON_FIELDS[name];
  if (json) return json(e.doc, arg, e);
  const ka = K8SAUDIT[name];
  if (!ka) throw new Error(`reference evaluator: no extraction for field ${name}`);
  if (!isObject(e.doc) || !Object.prototype.hasOwnProperty.call(e.doc, 'auditID')) return null;
  return ka(e.doc, arg, e);
}
