// The CloudWatch Logs clients of a fleet: one per identity and place (role, region, endpoint, FIPS), shared by
// the clusters read there. A cluster with a role_arn reads through temporary credentials of that role,
// assumed with STS by the AWS SDK's credential provider (fromTemporaryCredentials), which refreshes them
// before they expire; the identity that assumes it is the usual chain (IRSA web identity, EKS Pod Identity,
// the instance role, the environment, a profile).
import { fromIni, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { hostname } from 'node:os';
import { createLogsClient, type LogsSdkClient } from './client.js';
import type { ClusterTarget, CloudWatchConfig } from './config.js';

type Credentials = NonNullable<CloudWatchConfig['credentials']> | ReturnType<typeof fromTemporaryCredentials>;

export class FleetClients {
  private readonly clients = new Map<string, LogsSdkClient>();

  constructor(private readonly config: CloudWatchConfig) {}

  /** The client that reads this cluster (created once per identity and place). */
  for(target: Omit<ClusterTarget, 'name' | 'logGroup'>): LogsSdkClient {
    const key = [target.roleArn, target.externalId, target.sessionName, target.region, target.endpoint, target.useFips].join('|');
    let client = this.clients.get(key);
    if (!client) {
      client = createLogsClient(this.config, { region: target.region, endpoint: target.endpoint, useFips: target.useFips, credentials: this.credentials(target) });
      this.clients.set(key, client);
    }
    return client;
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  private credentials(target: Omit<ClusterTarget, 'name' | 'logGroup'>): Credentials | undefined {
    const c = this.config;
    const base = c.credentials ?? (c.profile ? fromIni({ profile: c.profile }) : undefined);
    if (!target.roleArn) return base;
    return fromTemporaryCredentials({
      params: {
        RoleArn: target.roleArn,
        RoleSessionName: target.sessionName ?? `kawa-${hostname()}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
        ...(target.externalId ? { ExternalId: target.externalId } : {}),
        DurationSeconds: 3600,
      },
      ...(base ? { masterCredentials: base } : {}),
      clientConfig: {
        region: target.region ?? c.region,
        ...(c.stsEndpoint ? { endpoint: c.stsEndpoint } : {}),
        ...(target.useFips ? { useFipsEndpoint: true } : {}),
      },
    });
  }
}
