import { describe, expect, test } from 'vitest';
import { ClusterMessageError, decodeClusterMessage, encodeClusterMessage } from '../src/cluster.js';

describe('cluster messages (what nodes publish to each other through Redis)', () => {
  test('push and close messages round-trip', () => {
    const push = {
      kind: 'devices' as const,
      targets: ['alice\0dev1', 'bøb\0d2'],
      frame: new Uint8Array([1, 2, 3, 255]),
    };
    expect(decodeClusterMessage(encodeClusterMessage(push))).toEqual(push);
    const accounts = { kind: 'accounts' as const, targets: ['carol'], frame: new Uint8Array() };
    expect(decodeClusterMessage(encodeClusterMessage(accounts))).toEqual(accounts);
    const close = { kind: 'close' as const, targets: ['alice\0dev1'], code: 4403, reason: 'device revoked' };
    expect(decodeClusterMessage(encodeClusterMessage(close))).toEqual(close);
  });

  test('truncated, unknown or oversized messages are refused with a typed error', () => {
    const good = encodeClusterMessage({
      kind: 'devices',
      targets: ['alice\0dev1'],
      frame: new Uint8Array([9]),
    });
    for (const bad of [
      new Uint8Array(),
      good.subarray(0, 4),
      good.subarray(0, 8),
      Uint8Array.of(7, 0, 0, 0, 0),
      Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff),
      Uint8Array.of(2, 0, 0, 0, 0, 1),
    ]) {
      expect(() => decodeClusterMessage(bad)).toThrow(ClusterMessageError);
    }
    expect(() =>
      encodeClusterMessage({ kind: 'devices', targets: ['x'.repeat(2000)], frame: new Uint8Array() }),
    ).toThrow(RangeError);
  });
});
