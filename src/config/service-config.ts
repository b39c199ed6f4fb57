// The service keys of falco.yaml: the web server (health, metrics), logging and reloading.
//
//   webserver:
//     enabled: true                        served only when kawa runs as a service (webhook, CloudWatch);
//                                           a run over files has no server, as Falco has none on a capture
//     listen_address: 127.0.0.1             (default) this host only; 0.0.0.0 so the kubelet's probes and
//                                           Prometheus reach it (Falco's default), with token_file
//     listen_port: 8765
//     token_file: /etc/kawa/metrics-token   kawa's own: /metrics (and /readyz's detail) need
//                                           `Authorization: Bearer <the file's content>`
//     k8s_healthz_endpoint: /healthz
//     prometheus_metrics_enabled: true     kawa serves /metrics by default (Falco: false)
//     ssl_enabled: false
//     ssl_certificate: /etc/falco/falco.pem   one PEM file with the key and the certificate
//   log_level: info                        Falco's level names, or pino's
//   watch_config_files: true               reload the rules when a rules or configuration file changes
//   shutdown_timeout_ms: 10000             kawa's: the longest a SIGTERM waits for in-flight work
import type { ConfigView } from '../core/config-view.js';
import { logLevel } from '../core/logger.js';

export interface WebserverConfig {
  enabled: boolean;
  listenAddress: string;
  listenPort: number;
  healthzEndpoint: string;
  metricsEnabled: boolean;
  sslEnabled: boolean;
  sslCertificate: string;
  /** A file holding the bearer token /metrics requires. */
  tokenFile?: string;
}

export interface ServiceConfig {
  webserver: WebserverConfig;
  logLevel: string;
  watchConfigFiles: boolean;
  shutdownTimeoutMs: number;
}

export function readServiceConfig(view: ConfigView): ServiceConfig {
  const w = (key: string) => ['webserver', key];
  const healthz = view.str(w('k8s_healthz_endpoint'), '/healthz');
  if (!healthz.startsWith('/')) view.fail(w('k8s_healthz_endpoint'), 'webserver.k8s_healthz_endpoint must start with /');
  const level = view.str(['log_level'], 'info');
  if (!logLevel(level)) view.fail(['log_level'], `unknown log_level '${level}' (emergency, alert, critical, error, warning, notice, info, debug)`);
  const port = view.num(w('listen_port'), 8765);
  if (port > 65535) view.fail(w('listen_port'), 'webserver.listen_port must be a port number');
  return {
    webserver: {
      enabled: view.bool(w('enabled'), true),
      listenAddress: view.str(w('listen_address'), '127.0.0.1'),
      listenPort: port,
      healthzEndpoint: healthz,
      metricsEnabled: view.bool(w('prometheus_metrics_enabled'), true),
      sslEnabled: view.bool(w('ssl_enabled'), false),
      sslCertificate: view.str(w('ssl_certificate'), '/etc/falco/falco.pem'),
      ...(view.str(w('token_file')) ? { tokenFile: view.str(w('token_file')) } : {}),
    },
    logLevel: level,
    watchConfigFiles: view.bool(['watch_config_files'], true),
    shutdownTimeoutMs: view.num(['shutdown_timeout_ms'], 10_000, { min: 1 }),
  };
}
