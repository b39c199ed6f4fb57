// Shared test pieces: alerts without an engine, a configuration from YAML text, a local HTTP receiver whose
// behaviour the test switches (answer, fail, stall).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LineCounter, parseDocument } from 'yaml';
import type { Match } from '../../src/engine/engine.js';
import { readOutputsConfig, type OutputsConfig } from '../../src/outputs/config.js';
import type { Alert } from '../../src/pipeline/types.js';
import type { LoadedRule, Priority } from '../../src/rules/types.js';
import { ConfigView } from '../../src/core/config-view.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function rule(name: string, priority: Priority = 'Warning'): LoadedRule {
  return {
    name, index: 0, desc: '', condition: undefined as never, conditionText: '', priority, source: 'k8s_audit',
    tags: ['k8s'], enabled: true,
    output: { parts: [{ kind: 'text', text: 'user=' }, { kind: 'token', text: '%ka.user.name' }] } as never,
  };
}

export function alert(k: number, priority: Priority = 'Warning'): Alert {
  const match: Match = {
    payload: 0, item: 0, rule: rule(`rule ${k % 3}`, priority), timeNs: 1_700_000_000_000_000_000n + BigInt(k),
    truncated: false, timeSubstituted: false, tokens: [`user${k}`], fields: { 'ka.user.name': `user${k}` },
  };
  return { match };
}

export const alerts = (n: number, from = 0) => Array.from({ length: n }, (_, i) => alert(from + i));

export function outputsConfig(yaml: string): OutputsConfig {
  const lines = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter: lines });
  return readOutputsConfig(new ConfigView(doc, lines, 'falco.yaml'));
}

export type Mode = 'ok' | 'fail' | 'stall' | 'reject';

/** An HTTP receiver on 127.0.0.1: records accepted bodies and headers; `mode` decides the answer. */
export class Receiver {
  mode: Mode = 'ok';
  delayMs = 0;
  requests = 0;
  bodies: string[] = [];
  raw: Buffer[] = [];
  headers: IncomingMessage['headers'][] = [];
  private stalled: ServerResponse[] = [];
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        this.requests++;
        if (this.mode === 'stall') {
          this.stalled.push(res);
          return;
        }
        if (this.delayMs) await sleep(this.delayMs);
        if (this.mode === 'fail') return void res.writeHead(503).end('busy');
        if (this.mode === 'reject') return void res.writeHead(400).end('bad');
        this.raw.push(Buffer.concat(chunks));
        this.bodies.push(Buffer.concat(chunks).toString('utf8'));
        this.headers.push(req.headers);
        res.writeHead(200).end('ok');
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}/`;
  }

  async close(): Promise<void> {
    for (const r of this.stalled) r.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
