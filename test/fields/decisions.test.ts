// kawa's project decisions on upstream field bugs (fields.md "Project decisions" 2-4), and kawa.truncated.
import { describe, expect, test } from 'vitest';
import { FieldExtractor, parseFieldSpec } from '../../src/engine/extractor.js';

const x = new FieldExtractor();
const get = (doc: unknown, field: string) => x.extract(typeof doc === 'string' ? doc : JSON.stringify(doc), [parseFieldSpec(field)])[0];
const pod = (spec: unknown) => ({ kind: 'Event', auditID: 'a', requestObject: { spec } });

describe('ka.sourceips reads the top-level sourceIPs', () => {
  const ev = { auditID: 'a', sourceIPs: ['10.0.0.1', '192.168.1.2'], requestObject: { rules: [{ sourceIPs: ['9.9.9.9'] }] } };
  test('all', () => expect(get(ev, 'ka.sourceips')).toEqual(['10.0.0.1', '192.168.1.2']));
  test('indexed', () => expect(get(ev, 'ka.sourceips[1]')).toEqual(['192.168.1.2']));
  test('index past the end', () => expect(get(ev, 'ka.sourceips[2]')).toBeNull());
  test('missing', () => expect(get({ auditID: 'a' }, 'ka.sourceips')).toBeNull());
  test('not an array', () => expect(get({ auditID: 'a', sourceIPs: '1.2.3.4' }, 'ka.sourceips')).toBeNull());
});

describe('eff_run_as_user / eff_run_as_group combine pod and container securityContext', () => {
  const spec = {
    securityContext: { runAsUser: 1000, runAsGroup: 3000 },
    containers: [
      { name: 'a', securityContext: { runAsUser: 5 } },
      { name: 'b' },
      { name: 'c', securityContext: { runAsGroup: 7 } },
    ],
  };
  test('container wins, else pod', () => {
    expect(get(pod(spec), 'ka.req.pod.containers.eff_run_as_user')).toEqual(['5', '1000', '1000']);
    expect(get(pod(spec), 'ka.req.pod.containers.eff_run_as_group')).toEqual(['3000', '3000', '7']);
  });
  test('indexed gives that container\'s effective value', () => {
    expect(get(pod(spec), 'ka.req.pod.containers.eff_run_as_user[0]')).toEqual(['5']);
    expect(get(pod(spec), 'ka.req.pod.containers.eff_run_as_user[1]')).toEqual(['1000']);
    expect(get(pod(spec), 'ka.req.pod.containers.eff_run_as_user[3]')).toBeNull();
  });
  test('"0" where neither is set', () => {
    const s = { containers: [{ name: 'a' }, { name: 'b', securityContext: { runAsUser: 0 } }] };
    expect(get(pod(s), 'ka.req.pod.containers.eff_run_as_user')).toEqual(['0', '0']);
    expect(get(pod(s), 'ka.req.pod.containers.eff_run_as_group[1]')).toEqual(['0']);
  });
  test('the upstream places (spec.runAsUser, container.runAsUser) are not read', () => {
    const s = { runAsUser: 42, containers: [{ name: 'a', runAsUser: 43 }] };
    expect(get(pod(s), 'ka.req.pod.containers.eff_run_as_user')).toEqual(['0']);
  });
  test('init and ephemeral containers', () => {
    const s = { securityContext: { runAsUser: 1 }, initContainers: [{ name: 'i' }], ephemeralContainers: [{ name: 'e', securityContext: { runAsUser: 2 } }] };
    expect(get(pod(s), 'ka.req.pod.initContainers.eff_run_as_user')).toEqual(['1']);
    expect(get(pod(s), 'ka.req.pod.ephemeralContainers.eff_run_as_user')).toEqual(['2']);
  });
  test('no containers: no value; empty list: no value', () => {
    expect(get(pod({}), 'ka.req.pod.containers.eff_run_as_user')).toBeNull();
    expect(get(pod({ containers: [] }), 'ka.req.pod.containers.eff_run_as_user')).toBeNull();
  });
});

describe('add_capabilities gives one entry per capability', () => {
  const spec = {
    containers: [
      { name: 'a', securityContext: { capabilities: { add: ['NET_ADMIN', 'SYS_TIME'] } } },
      { name: 'b' },
      { name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } } },
    ],
  };
  test('flattened across containers', () => expect(get(pod(spec), 'ka.req.pod.containers.add_capabilities')).toEqual(['NET_ADMIN', 'SYS_TIME', 'SYS_ADMIN']));
  test('indexed', () => expect(get(pod(spec), 'ka.req.pod.containers.add_capabilities[2]')).toEqual(['SYS_ADMIN']));
  test('indexed container without capabilities', () => expect(get(pod(spec), 'ka.req.pod.containers.add_capabilities[1]')).toBeNull());
  test('none added anywhere', () => expect(get(pod({ containers: [{ name: 'a' }] }), 'ka.req.pod.containers.add_capabilities')).toBeNull());
});

describe('never crash: upstream panics give no value', () => {
  const spec = { containers: [{ name: 'a', image: 'nginx' }], volumes: [{ name: 'v', hostPath: { path: '/etc' } }] };
  test('index >= 2^63 on an array', () => expect(get(pod(spec), 'ka.req.pod.containers.image[9223372036854775808]')).toBeNull());
  test('index 2^64-1 means no index', () => expect(get(pod(spec), 'ka.req.pod.containers.image[18446744073709551615]')).toEqual(['nginx']));
  test('empty hostpath argument', () => expect(get(pod(spec), 'ka.req.volume.hostpath[]')).toBeNull());
});

describe('kawa.truncated and salvage mode', () => {
  const full = { kind: 'Event', auditID: 'id-1', verb: 'create', user: { username: 'alice', groups: ['g1', 'g2'] },
    objectRef: { resource: 'pods', name: 'p' }, stageTimestamp: '2024-05-01T13:00:00Z',
    requestObject: { spec: { containers: [{ name: 'c1', image: 'busybox' }, { name: 'c2', image: 'nginx:1.25' }] } } };
  const text = JSON.stringify(full);
  const cut = (marker: string) => text.slice(0, text.indexOf(marker)) + '[Truncated...]';

  test('a complete event is not truncated', () => expect(get(text, 'kawa.truncated')).toBe('false'));
  test('a cut event is salvaged', () => {
    const doc = cut('nginx:');
    expect(get(doc, 'kawa.truncated')).toBe('true');
    expect(get(doc, 'ka.user.name')).toBe('alice');
    expect(get(doc, 'ka.user.groups')).toEqual(['g1', 'g2']);
    expect(get(doc, 'ka.verb')).toBe('create');
    expect(get(doc, 'ka.req.pod.containers.name')).toEqual(['c1', 'c2']);
    expect(get(doc, 'ka.req.pod.containers.image[0]')).toEqual(['busybox']);
    // the cut image is dropped, so c2 has no image: the un-indexed field errors, as for any such container
    expect(get(doc, 'ka.req.pod.containers.image')).toBeNull();
    expect(get(doc, 'json.rawtime')).toBe('1714568400000000000');
  });
  test('the incomplete member is dropped, open containers closed', () => {
    expect(get('{"auditID":"a","user":{"username":"bo[Truncated...]', 'json.value[]')).toBe('{"auditID":"a","user":{}}');
    expect(get('{"auditID":"a","list":[1,2,3[Truncated...]', 'json.value[]')).toBe('{"auditID":"a","list":[1,2]}');
    expect(get('{"auditID":"a","list":["x","y"[Truncated...]', 'json.value[]')).toBe('{"auditID":"a","list":["x","y"]}');
    expect(get('{"auditID":"a","verb":[Truncated...]', 'json.value[]')).toBe('{"auditID":"a"}');
    expect(get('{"auditID":"a","verb"[Truncated...]', 'json.value[]')).toBe('{"auditID":"a"}');
    expect(get('{"auditID":"a","b":tr[Truncated...]', 'json.value[]')).toBe('{"auditID":"a"}');
    expect(get('{"auditID":"a","b":true[Truncated...]', 'json.value[]')).toBe('{"auditID":"a","b":true}');
  });
  test('json.obj has no value on a salvaged event (the payload is not JSON)', () => {
    expect(get('{"auditID":"a","b":1,[Truncated...]', 'json.obj')).toBeNull();
  });
  test('a truncated payload whose prefix is not JSON stays an error', () => {
    expect(get('{"a":}[Truncated...]', 'kawa.truncated')).toBeNull();
    expect(get('{"a":}[Truncated...]', 'json.value[]')).toBeNull();
  });
});
