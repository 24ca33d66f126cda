import { describe, expect, test } from 'vitest';
import { qrPayloadMatches, safetyNumber } from '../src/index.js';

const key = (fill: number) => new Uint8Array(32).fill(fill);

describe('safety numbers', () => {
  const alice = { accountId: 'alice', identityKey: key(1) };
  const bob = { accountId: 'bob', identityKey: key(2) };

  test('are 60 digits in 12 groups of 5', () => {
    const n = safetyNumber(alice, bob);
    expect(n.digits).toMatch(/^\d{60}$/);
    expect(n.groups).toHaveLength(12);
    expect(n.groups.every((g) => /^\d{5}$/.test(g))).toBe(true);
    expect(n.groups.join('')).toBe(n.digits);
  });

  test('are identical on both sides, whatever the order', () => {
    const fromAlice = safetyNumber(alice, bob);
    const fromBob = safetyNumber(bob, alice);
    expect(fromBob).toEqual(fromAlice);
    expect(qrPayloadMatches(fromAlice, fromBob.qrPayload)).toBe(true);
  });

  test('change when either identity key or account changes', () => {
    const base = safetyNumber(alice, bob);
    const swapped = safetyNumber(alice, { ...bob, identityKey: key(3) });
    expect(swapped.digits).not.toBe(base.digits);
    expect(qrPayloadMatches(base, swapped.qrPayload)).toBe(false);
    // Only bob's half changes: alice's 30 digits are still in the number.
    const aliceHalf = [base.digits.slice(0, 30), base.digits.slice(30)].find((h) =>
      swapped.digits.includes(h),
    );
    expect(aliceHalf).toBeDefined();
    expect(safetyNumber(alice, { ...bob, accountId: 'bobby' }).digits).not.toBe(base.digits);
  });

  test('are stable across releases (pinned value)', () => {
    // If this changes, every user's verified contacts silently become unverified: never change it.
    expect(safetyNumber(alice, bob).digits).toMatchInlineSnapshot(
      `"669957303450415561582838861847698059184089155357561847207962"`,
    );
  });
});
