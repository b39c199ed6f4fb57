// The audit webhook's descriptor: `kawa run --webhook` serves the API server's audit webhook backend
// (keys `webhook.*` of falco.yaml; --port and --path over them). Falco's k8saudit plugin block with an
// http(s):// open_params selects it too, as Falco users write it:
//
//   plugins:
//     - name: k8saudit
//       init_config: {maxEventSize: 262144, webhookMaxBatchSize: 12582912, sslCertificate: /etc/falco/falco.pem}
//       open_params: "http://:9765/k8s-audit"        https:// serves TLS with sslCertificate (cert and key)
//
// The webhook block's own keys, where given, win over what the plugin block implies.
import { KawaError } from '../../core/errors.js';
import { defineSource } from '../kind.js';
import { findPlugin, initInteger, initString } from '../plugins.js';
import { readWebhookConfig, type WebhookConfig } from './config.js';

export const webhookSource = defineSource({
  name: 'webhook',
  description: "the API server's audit webhook (--webhook, keys webhook.*)",
  flags: [
    { flags: '--webhook', description: "run as a service receiving the API server's audit webhook (keys: webhook.*)" },
    { flags: '--port <port>', description: 'webhook port (webhook.listen_port, default 9765)' },
    { flags: '--path <path>', description: 'webhook path (webhook.path, default /k8s-audit)' },
  ],
  selector: 'webhook',
  configSelects: (config) => config?.plugin === true,
  service: () => true,
  readConfig: (view): WebhookConfig => {
    const c = readWebhookConfig(view);
    const plugin = findPlugin(view, 'k8saudit');
    const m = plugin && /^(https?):\/\/([^/:]*|\[[^\]]*\])(?::(\d+))?(\/[^?#]*)?$/.exec(plugin.openParams);
    if (!plugin || !m) return c;
    const set = (key: string) => !view.has(['webhook', key]);
    const port = m[3] ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
    if (port > 65535) view.fail(['plugins', plugin.index, 'open_params'], `open_params: ${m[3]} is not a port number`);
    return {
      ...c,
      plugin: true,
      ...(set('listen_address') ? { listenAddress: m[2] ? m[2].replace(/^\[|\]$/g, '') : '0.0.0.0' } : {}),
      ...(set('listen_port') ? { listenPort: port } : {}),
      ...(set('path') ? { path: m[4] || '/' } : {}),
      ...(m[1] === 'https' && set('ssl_certificate') ? { sslCertificate: initString(view, plugin, 'sslCertificate') ?? '/etc/falco/falco.pem' } : {}),
      ...(set('max_body_bytes') ? { maxBodyBytes: initInteger(view, plugin, 'webhookMaxBatchSize', c.maxBodyBytes) } : {}),
      maxEventSize: initInteger(view, plugin, 'maxEventSize', 262_144),
    };
  },
  applyFlags: (base: WebhookConfig | undefined, flags): WebhookConfig => {
    if (!base) throw new KawaError('KAWA_ERR_CONFIG', 'internal: the webhook keys were not read');
    const c = { ...base };
    if (flags.port !== undefined) {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KawaError('KAWA_ERR_USAGE', `--port ${String(flags.port)}: not a port number`);
      c.listenPort = port;
    }
    if (flags.path !== undefined) {
      if (!String(flags.path).startsWith('/')) throw new KawaError('KAWA_ERR_USAGE', `--path ${String(flags.path)}: must start with /`);
      c.path = String(flags.path);
    }
    return c;
  },
  engineOptions: (config: WebhookConfig) => (config.maxEventSize !== undefined ? { maxEventSize: config.maxEventSize } : {}),
  open: async (config: WebhookConfig, ctx) => {
    const { WebhookSource } = await import('./source.js');
    return WebhookSource.start(config, { logger: ctx.logger, metrics: ctx.metrics });
  },
});
