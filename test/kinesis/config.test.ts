// The Kinesis source's keys in falco.yaml (source.type kinesis) and the `kawa run --kinesis` flags.
import { describe, expect, it } from 'vitest';
import { parseFalcoConfig } from '../../src/config/falco-config.js';
import { KawaError } from '../../src/core/errors.js';
import { applyKinesisFlags } from '../../src/sources/kinesis/config.js';

const parse = (text: string, overrides: string[] = []) => parseFalcoConfig(text, 'falco.yaml', overrides);

describe('Kinesis configuration', () => {
  it('reads the source block with defaults that follow the lease duration', () => {
    const c = parse(`
source:
  type: kinesis
  kinesis:
    stream: arn:aws:kinesis:eu-west-1:123456789012:stream/kawa-prod
    region: eu-west-1
    initial_position: at_timestamp
    initial_timestamp: 2026-01-01T00:00:00Z
    log_groups: [/aws/eks/prod/cluster]
  leases:
    lease_duration_ms: 3000
    worker_id: w1
  dedup:
    alert_table: kawa-prod-alerts
`).sources.kinesis!;
    expect(c.streamArn).toBe('arn:aws:kinesis:eu-west-1:123456789012:stream/kawa-prod');
    expect(c.streamName).toBe('kawa-prod');
    expect(c.initialPosition).toBe(`AT_TIMESTAMP:${Date.UTC(2026, 0, 1)}`);
    expect(c.logGroups).toEqual(['/aws/eks/prod/cluster']);
    expect(c.leases).toMatchObject({ leaseDurationMs: 3000, renewIntervalMs: 1000, scanIntervalMs: 1500, workerId: 'w1', table: '' });
    expect(c.dedup.alertTable).toBe('kawa-prod-alerts');
    const withFlags = applyKinesisFlags(c, { dynamodbEndpoint: 'http://127.0.0.1:1' })!;
    expect(withFlags.leases.table).toBe('kawa-kawa-prod-leases');
    expect(withFlags.leases.endpoint).toBe('http://127.0.0.1:1');
  });

  it('defaults: 10 s leases, 3 s renewals, 5 s scans, TRIM_HORIZON; another source type or none is not Kinesis', () => {
    const c = applyKinesisFlags(undefined, { kinesis: 'kawa-prod', region: 'eu-west-1', alertTable: 't' })!;
    expect(c).toMatchObject({ streamName: 'kawa-prod', initialPosition: 'TRIM_HORIZON', region: 'eu-west-1', dedup: { alertTable: 't' } });
    expect(c.leases).toMatchObject({ leaseDurationMs: 10_000, renewIntervalMs: 3000, scanIntervalMs: 5000, table: 'kawa-kawa-prod-leases' });
    expect(parse('source: {type: webhook}').sources.kinesis).toBeUndefined();
    expect(parse('').sources.kinesis).toBeUndefined();
  });

  it('-o source.* overrides and coded errors at the value', () => {
    expect(parse('source: {type: kinesis}', ['source.kinesis.stream=s', 'source.leases.lease_duration_ms=4000']).sources.kinesis).toMatchObject({ streamName: 's', leases: { leaseDurationMs: 4000 } });
    const fail = (text: string) => {
      try {
        parse(text);
      } catch (e) {
        return `${(e as KawaError).code} ${(e as KawaError).message}`;
      }
      return 'no error';
    };
    expect(fail('source: {type: kinesis, kinesis: {initial_position: OLDEST}}')).toMatch(/KAWA_ERR_CONFIG .*TRIM_HORIZON, LATEST or AT_TIMESTAMP/);
    expect(fail('source: {type: kinesis, leases: {lease_duration_ms: 1000, renew_interval_ms: 800}}')).toMatch(/KAWA_ERR_CONFIG .*at most half/);
    expect(fail('source: {type: kinesis, kinesis: {max_records_per_call: 20000}}')).toMatch(/at most 10000/);
    expect(fail('source: {type: kinesis, kinesis: {initial_position: AT_TIMESTAMP}}')).toMatch(/initial_timestamp/);
  });
});
