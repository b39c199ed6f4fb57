import { describe, expect, it } from 'vitest';
import { LogThrottle } from '../../src/core/log-throttle.js';

describe('LogThrottle', () => {
  it('says a lasting condition when it begins, then once per interval', () => {
    const t = new LogThrottle(60_000);
    // a virtual clock near zero (tests' emulators start there): the first warning is still said at once
    expect(t.due(5)).toBe(true);
    expect(t.due(6)).toBe(false);
    expect(t.due(60_004)).toBe(false);
    expect(t.due(60_005)).toBe(true);
    expect(t.due(100_000)).toBe(false);
    expect(t.due(120_005)).toBe(true);
  });
});
