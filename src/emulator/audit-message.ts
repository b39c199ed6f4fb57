// Synthetic EKS audit events: valid audit.k8s.io/v1 Event JSON in the field order the API server writes
// (kind, apiVersion, level, auditID, stage, requestURI, verb, user, sourceIPs, userAgent, objectRef,
// responseStatus, requestObject, requestReceivedTimestamp, stageTimestamp, annotations). Enough variety
// for rules and fetchers to chew on; the full-featured corpus generator lives outside the package.
import { randomHex, type Random } from './prng.js';

export type Stage = 'RequestReceived' | 'ResponseComplete';

export interface AuditRequest {
  auditID: string;
  receivedMs: number;
  template: number;
  node: string;
}

const NODES = Array.from({ length: 12 }, (_, i) => `ip-10-0-${(i * 17) % 250}-${(i * 41) % 250}.us-west-2.compute.internal`);

interface Template {
  verb: string;
  uri: (r: AuditRequest) => string;
  user: (r: AuditRequest) => Record<string, unknown>;
  userAgent: string;
  objectRef: (r: AuditRequest) => Record<string, unknown>;
  code: number;
  level: 'Metadata' | 'Request' | 'RequestResponse';
  requestObject?: (r: AuditRequest) => Record<string, unknown>;
}

const TEMPLATES: Template[] = [
  {
    verb: 'update', level: 'Metadata', code: 200, userAgent: 'kubelet/v1.30.4 (linux/amd64) kubernetes/a1b2c3d',
    uri: (r) => `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${r.node}?timeout=10s`,
    user: (r) => ({ username: `system:node:${r.node}`, groups: ['system:nodes', 'system:authenticated'] }),
    objectRef: (r) => ({ resource: 'leases', namespace: 'kube-node-lease', name: r.node, apiGroup: 'coordination.k8s.io', apiVersion: 'v1' }),
  },
  {
    verb: 'get', level: 'Metadata', code: 200, userAgent: 'kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a1b2c3d/leader-election',
    uri: () => '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication',
    user: () => ({ username: 'system:kube-controller-manager', groups: ['system:authenticated'] }),
    objectRef: () => ({ resource: 'configmaps', namespace: 'kube-system', name: 'extension-apiserver-authentication', apiVersion: 'v1' }),
  },
  {
    verb: 'list', level: 'Metadata', code: 200, userAgent: 'eks-k8s-metrics/v0.0.0 (linux/amd64) kubernetes/$Format',
    uri: () => '/api/v1/pods?limit=500',
    user: () => ({ username: 'eks:k8s-metrics', groups: ['system:authenticated'] }),
    objectRef: () => ({ resource: 'pods', apiVersion: 'v1' }),
  },
  {
    verb: 'create', level: 'RequestResponse', code: 201, userAgent: 'kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a1b2c3d/system:serviceaccount:kube-system:replicaset-controller',
    uri: () => '/api/v1/namespaces/payments/pods',
    user: () => ({ username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] }),
    objectRef: () => ({ resource: 'pods', namespace: 'payments', apiVersion: 'v1' }),
    requestObject: (r) => ({
      kind: 'Pod', apiVersion: 'v1',
      metadata: { generateName: 'api-7d9f8b6c5-', namespace: 'payments', labels: { app: 'api', 'pod-template-hash': '7d9f8b6c5' } },
      spec: {
        containers: [{ name: 'api', image: '123456789012.dkr.ecr.us-west-2.amazonaws.com/payments/api:v2.14.1', ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: { limits: { cpu: '1', memory: '512Mi' } } }],
        serviceAccountName: 'api', nodeName: r.node,
      },
    }),
  },
];

export function newRequest(random: Random, receivedMs: number): AuditRequest {
  const h = randomHex(random, 32);
  const auditID = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return { auditID, receivedMs, template: Math.floor(random() * TEMPLATES.length), node: NODES[Math.floor(random() * NODES.length)]! };
}

const micros = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

export function auditMessage(r: AuditRequest, stage: Stage, stageMs: number): string {
  const t = TEMPLATES[r.template]!;
  const event: Record<string, unknown> = {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: t.level, auditID: r.auditID, stage,
    requestURI: t.uri(r), verb: t.verb, user: t.user(r), sourceIPs: ['10.0.12.34'], userAgent: t.userAgent, objectRef: t.objectRef(r),
  };
  if (stage === 'ResponseComplete') event.responseStatus = { metadata: {}, code: t.code };
  if (t.requestObject && t.level !== 'Metadata') event.requestObject = t.requestObject(r);
  event.requestReceivedTimestamp = micros(r.receivedMs);
  event.stageTimestamp = micros(stageMs);
  if (stage === 'ResponseComplete') event.annotations = { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' };
  return JSON.stringify(event);
}
