// FilterLogEvents nextToken: opaque base64url of the query hash, the key of the last examined event, the
// direction, an expiry on the server clock, the number of injected empty pages already served, and the
// token epoch (POST /_emu/tokens/invalidate bumps it). The continuing call returns keys strictly after
// `after` among the events visible *then* — the real-world trap for late events (semantics.md §2).
import { createHash } from 'node:crypto';
import { invalidParameter } from './aws-error.js';
import type { Key } from './store.js';

export interface FilterToken {
  /** Hash of the query parameters the token belongs to. */
  h: string;
  /** [timestamp, ingestionTime, seq] of the last examined event; null before the first event. */
  a: [number, number, number] | null;
  d: 'asc' | 'desc';
  /** Expiry, server clock ms. */
  x: number;
  /** Empty pages already served in this pagination. */
  e: number;
  /** Token epoch. */
  g: number;
}

export function queryHash(parts: unknown[]): string {
  return createHash('sha1').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

export function encodeToken(t: FilterToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

export function decodeToken(text: string, expected: { hash: string; now: number; epoch: number }): FilterToken {
  let t: FilterToken;
  try {
    t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as FilterToken;
  } catch {
    throw invalidParameter('The specified nextToken is invalid.');
  }
  const keyOk = t && (t.a === null || (Array.isArray(t.a) && t.a.length === 3 && t.a.every(Number.isFinite)));
  if (!keyOk || t.h !== expected.hash || (t.d !== 'asc' && t.d !== 'desc') || !Number.isInteger(t.e) || t.g !== expected.epoch) {
    throw invalidParameter('The specified nextToken is invalid.');
  }
  if (!(t.x > expected.now)) throw invalidParameter('The specified nextToken has expired.');
  return t;
}

export const keyOf = (e: Key): [number, number, number] => [e.timestamp, e.ingestionTime, e.seq];
export const keyFrom = (a: [number, number, number]): Key => ({ timestamp: a[0], ingestionTime: a[1], seq: a[2] });
