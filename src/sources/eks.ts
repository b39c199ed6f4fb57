// How EKS names the log group of a cluster's control-plane logs: /aws/eks/<cluster>/cluster. Shared by the
// sources that read it (CloudWatch directly, Kinesis through a subscription filter).

export const logGroupOf = (cluster: string) => `/aws/eks/${cluster}/cluster`;

/** The cluster of an EKS log group name, or '' for another name. */
export function clusterOf(logGroup: string): string {
  return /^\/aws\/eks\/([^/]+)\/cluster$/.exec(logGroup)?.[1] ?? '';
}
