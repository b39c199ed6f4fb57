// The CloudWatch source's parts on their own: the re-check schedule catching up by merged bands, the compact
// id set and its budget, the rate limiter's order (head first, clusters in turn) and the fleet configuration.
import { describe, expect, it } from 'vitest';
import { parseFalcoConfig } from '../../src/config/falco-config.js';
import { KawaError } from '../../src/core/errors.js';
import { applyCloudWatchFlags, targetsOf } from '../../src/sources/cloudwatch/config.js';
import { Positions } from '../../src/sources/cloudwatch/positions.js';
import { RateLimiter } from '../../src/sources/cloudwatch/rate-limiter.js';
import { IdBudget, SeenIds } from '../../src/sources/cloudwatch/seen.js';
import { HeadOverlap, OVERLAP_MARGIN_MS } from '../../src/sources/cloudwatch/head-overlap.js';
import { HeadEdge, Tiers } from '../../src/sources/cloudwatch/tiers.js';

describe('Tiers', () => {
  const ages = [2000, 15_000, 120_000];

  it('on schedule: each due band is read for its own tier only', () => {
    const t = new Tiers(ages, 1000, [104_000, 100_000, 100_000, 100_000]);
    const w = t.nextDue(104_000)!;
    expect(w.tiers).toEqual([1]);
    expect(w).toMatchObject({ start: 99_999, end: 100_000 + 2000, advanceTo: 102_000 });
  });

  it('behind schedule: one read of an old band serves every tier it is old enough for', () => {
    // tier 1 has not re-checked for 10 minutes: its band is already older than the 15 s and 2 min ages
    const now = 1_000_000;
    const t = new Tiers(ages, 1000, [now, now - 600_000, now - 600_000, now - 600_000]);
    const reads: number[][] = [];
    for (let w = t.nextDue(now); w; w = t.nextDue(now)) {
      reads.push([...w.tiers, w.end! - w.start]);
      t.advance(w);
    }
    // the old part once for all three, the middle once for two, the newest for tier 1 alone: 598 s read
    // instead of 598 + 585 + 480
    expect(reads).toEqual([[1, 2, 3, 480_001], [1, 2, 105_001], [1, 13_001]]);
    expect(t.cursors).toEqual([now, now - 2000, now - 15_000, now - 120_000]);
    expect(t.backlog(now)).toEqual([0, 0, 0]);
  });

  it('reports the backlog of each tier', () => {
    const now = 1_000_000;
    const t = new Tiers(ages, 1000, [now, now - 10_000, now - 20_000, now - 400_000]);
    expect(t.backlog(now)).toEqual([now - 2000 - 2000 - (now - 10_000), 0, now - 120_000 - 105_000 - (now - 400_000)]);
  });
});

describe('HeadEdge', () => {
  const head = new Tiers([2000], 1000, [100_000, 100_000]).head(100_000);

  it('a catch-up read moves the cursor to the first page that could have missed an event, not to its start', () => {
    const e = new HeadEdge(1000);
    e.page(100_200, 95_000, true); // catching up: its last event is 5 s old when asked for
    e.page(100_400, 99_300, true); // 1.1 s old: an event up to 1 s late cannot be missing here either
    expect(e.at).toBeUndefined();
    e.page(100_600, 99_700, true); // within 1 s: could have missed one
    e.page(100_800, 100_700, false);
    expect(e.advanced(head).advanceTo).toBe(100_600);
  });

  it('the last page always could; so could an empty page (its span is unknown)', () => {
    const last = new HeadEdge(1000);
    last.page(103_000, 90_000, false);
    expect(last.advanced(head).advanceTo).toBe(103_000);
    const empty = new HeadEdge(1000);
    empty.page(101_000, undefined, true);
    empty.page(103_000, 102_900, false);
    expect(empty.advanced(head).advanceTo).toBe(101_000);
  });

  it('never moves the cursor back', () => {
    const e = new HeadEdge(1000);
    e.page(99_000, 98_500, false);
    expect(e.advanced(head).advanceTo).toBe(100_000);
  });
});

describe('HeadOverlap', () => {
  it('follows the lateness of the last minute plus a margin, up to its maximum; with nothing seen, the maximum', () => {
    const o = new HeadOverlap(1500, false);
    expect(o.value(0)).toBe(1500);
    o.record(40, 10_000);
    o.record(-20, 10_500);
    expect(o.value(11_000)).toBe(40 + OVERLAP_MARGIN_MS);
    o.record(1400, 20_000);
    expect(o.value(21_000)).toBe(1500);
    o.record(100, 75_000);
    expect(o.value(76_000)).toBe(1500); // the 1.4 s one is still within the minute
    expect(o.value(81_000)).toBe(100 + OVERLAP_MARGIN_MS);
    expect(o.value(200_000)).toBe(1500);
  });

  it('an event later than the largest overlap leaves it as it is: no overlap would have caught it', () => {
    const o = new HeadOverlap(1500, false);
    o.record(40, 10_000);
    o.record(10_000, 10_100);
    o.record(1500, 10_200);
    expect(o.value(11_000)).toBe(40 + OVERLAP_MARGIN_MS);
  });

  it('a fixed overlap ignores lateness', () => {
    const o = new HeadOverlap(400, true);
    o.record(10, 1000);
    expect(o.value(1000)).toBe(400);
  });
});

describe('SeenIds', () => {
  const id = (n: number) => `3195310660696698337880902507980421114328961542429822${String(n).padStart(4, '0')}`;

  it('tells repeats, keeps only acknowledged ids in the encoding, and round-trips', () => {
    const s = new SeenIds();
    for (let n = 0; n < 5000; n++) s.add(id(n), 1_000_000 + n);
    expect(s.size).toBe(5000);
    expect(s.has(id(42), 1_000_042)).toBe(true);
    expect(s.has(id(42), 1_000_042 + 5000)).toBe(false);
    expect(s.has(id(9999), 1_000_000)).toBe(false);
    for (let n = 0; n < 4000; n++) s.acknowledge(id(n), 1_000_000 + n);
    const back = SeenIds.decode(s.encode(0), 2);
    expect(back.size).toBe(4000);
    expect(back.has(id(3999), 1_003_999)).toBe(true);
    expect(back.has(id(4000), 1_004_000)).toBe(false);
    s.evictBelow(1_003_000);
    expect(s.size).toBe(2000);
  });

  it('reads a version 1 checkpoint (front-coded ids)', () => {
    const s = SeenIds.decode([1000, 0, 'abc123', 5, 5, '4'], 1);
    expect(s.has('abc123', 1000)).toBe(true);
    expect(s.has('abc124', 1005)).toBe(true);
    expect(() => SeenIds.decode([1, 2], 1)).toThrow();
    expect(() => SeenIds.decode([[1, 'abc']], 2)).toThrow();
  });

  it('over the process-wide budget, the oldest second is given up and no re-check reads it again', () => {
    const budget = new IdBudget(10_000);
    const p = new Positions(new Tiers([2000, 60_000], 1000, [200_000, 0, 0]), new SeenIds(budget));
    for (let n = 0; n < 12_000; n++) p.isNew(id(n), n * 10); // 100 ids per second
    expect(budget.used).toBeLessThanOrEqual(10_000);
    expect(p.skippedSeconds).toBe(20);
    expect(p.tiers.cursors.slice(1)).toEqual([0, 0].map(() => 20_000));
    expect(p.durableCursors.slice(1)).toEqual([20_000, 20_000]);
  });
});

describe('RateLimiter', () => {
  it('gives the head its tokens first, and the clusters of one priority their turns', async () => {
    // 20 ms a token: every request below is queued before the bucket refills, however loaded the machine
    const limiter = new RateLimiter(50);
    const order: string[] = [];
    const take = (p: 0 | 1, key: string, n: number) => Array.from({ length: n }, () => limiter.take(p, undefined, key).then(() => order.push(`${p}${key}`)));
    // the first request takes the bucket's one token at once; the rest queue up
    await Promise.all([...take(1, 'busy', 4), ...take(1, 'quiet', 1), ...take(0, 'x', 2)]);
    // busy asked first; then the head; then busy and quiet take turns
    expect(order).toEqual(['1busy', '0x', '0x', '1busy', '1quiet', '1busy', '1busy']);
    expect(limiter.stats.granted).toEqual([2, 5]);
  });

  it('never starves re-checks: while both wait, one token in five goes to a re-check', async () => {
    // 20 ms a token, and the bucket emptied first: every request below is queued before the next token, so
    // the order does not depend on how fast a loaded machine queues them
    const limiter = new RateLimiter(50);
    await limiter.take(0);
    const order: number[] = [];
    const all = [...Array.from({ length: 12 }, () => limiter.take(0).then(() => order.push(0))), ...Array.from({ length: 3 }, () => limiter.take(1).then(() => order.push(1)))];
    await Promise.all(all);
    expect(order).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });
});

describe('fleet configuration', () => {
  it('reads a list of clusters with roles, and auto with accounts', () => {
    const c = parseFalcoConfig(`
cloudwatch:
  region: us-east-1
  clusters:
    - prod
    - name: stage
      region: eu-west-1
      role_arn: arn:aws:iam::222222222222:role/kawa-reader
      external_id: x1
    - {log_group: /custom/group}
`, 'falco.yaml').sources.cloudwatch!;
    expect(targetsOf(c)).toEqual([
      { name: 'prod', logGroup: '/aws/eks/prod/cluster', region: 'us-east-1' },
      { name: 'stage', logGroup: '/aws/eks/stage/cluster', region: 'eu-west-1', roleArn: 'arn:aws:iam::222222222222:role/kawa-reader', account: '222222222222', externalId: 'x1' },
      { name: '', logGroup: '/custom/group', region: 'us-east-1' },
    ]);
    const auto = parseFalcoConfig('cloudwatch:\n  region: us-west-2\n  clusters: auto\n  accounts:\n    - {role_arn: "arn:aws:iam::333333333333:role/r", regions: [us-east-1, eu-west-1]}\n    - {}\n', 'f').sources.cloudwatch!;
    expect(auto.discover).toEqual([{ roleArn: 'arn:aws:iam::333333333333:role/r', regions: ['us-east-1', 'eu-west-1'] }, { regions: ['us-west-2'] }]);
  });

  it('--cloudwatch a,b,c is a fleet in the region of the flags', () => {
    const c = applyCloudWatchFlags(undefined, { cloudwatch: 'a, b,c', region: 'ap-south-1' });
    expect(targetsOf(c).map((t) => [t.name, t.region])).toEqual([['a', 'ap-south-1'], ['b', 'ap-south-1'], ['c', 'ap-south-1']]);
  });

  it('bad entries are coded errors at their line', () => {
    const fail = (text: string) => {
      try {
        parseFalcoConfig(text, 'falco.yaml');
      } catch (e) {
        return e as KawaError;
      }
      throw new Error('no error');
    };
    expect(fail('cloudwatch:\n  clusters:\n    - name: a\n      rolearn: x\n')).toMatchObject({ code: 'KAWA_ERR_CONFIG', location: { line: 4 } });
    expect(fail('cloudwatch:\n  clusters:\n    - name: a\n      role_arn: arn:aws:iam::1:role/x\n').message).toContain('not an IAM role ARN');
    expect(fail('cloudwatch:\n  clusters:\n    - name: a\n      external_id: q\n').message).toContain('go with role_arn');
    expect(fail('cloudwatch:\n  clusters: [a, a]\n').message).toContain('listed twice');
    expect(fail('cloudwatch:\n  accounts: []\n').message).toContain('clusters: auto');
  });
});
