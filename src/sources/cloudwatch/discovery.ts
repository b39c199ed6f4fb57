// `clusters: auto`: the EKS clusters of an account and region are the log groups named /aws/eks/<name>/cluster
// (EKS creates one when control-plane logging is on). Listed with DescribeLogGroups, page by page.
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { LogsSdkClient } from './client.js';
import { clusterOf } from './config.js';

export interface FoundCluster {
  name: string;
  logGroup: string;
  /** From the log group's ARN (arn:aws:logs:<region>:<account>:log-group:<name>:*). */
  account?: string;
}

const MAX_PAGES = 1000;

export async function listClusters(client: LogsSdkClient, signal: AbortSignal): Promise<FoundCluster[]> {
  const found: FoundCluster[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/eks/', ...(nextToken ? { nextToken } : {}) }), { abortSignal: signal });
    for (const g of out.logGroups ?? []) {
      const name = clusterOf(g.logGroupName ?? '');
      if (!name) continue;
      const account = /^arn:[^:]+:logs:[^:]*:(\d{12}):/.exec(g.arn ?? '')?.[1];
      found.push({ name, logGroup: g.logGroupName!, ...(account ? { account } : {}) });
    }
    nextToken = out.nextToken || undefined;
    if (!nextToken) break;
  }
  return found;
}
