// The audit webhook's descriptor: `kawa run --webhook` serves the API server's audit webhook backend
// (keys `webhook.*` of falco.yaml; --port and --path over them).
import { KawaError } from '../../core/errors.js';
import { defineSource } from '../kind.js';
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
  configSelects: false,
  service: () => true,
  readConfig: (view) => readWebhookConfig(view),
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
  open: async (config: WebhookConfig, ctx) => {
    const { WebhookSource } = await import('./source.js');
    return WebhookSource.start(config, { logger: ctx.logger, metrics: ctx.metrics });
  },
});
