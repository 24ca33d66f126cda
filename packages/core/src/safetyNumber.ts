/**
 * Safety numbers: what two people compare (read aloud or by QR code) to be sure that the identity
 * keys their apps pinned for each other are the real ones, so no server swapped them.
 *
 * The construction follows Signal's numeric fingerprint (iterated SHA-512), bound to Parley's
 * account ids:
 *   fingerprint(account, key):
 *     h = SHA-512("parley/v1/safety-number\0" || u8 len(account) || account || key)
 *     repeat 5,200 times: h = SHA-512(h || key)
 *     digits = for each of the first six 5-byte chunks of h: (chunk as a big-endian integer) mod
 *              100000, written with 5 digits                                  -> 30 digits
 *   safety number = the two 30-digit fingerprints sorted and concatenated     -> 60 digits
 * Sorting makes the number identical on both sides, whichever side computes it. Iterating raises
 * the cost of searching for a second key whose fingerprint collides with a given one.
 *
 * The QR payload is "PARLEYSN1:" followed by base64url of the first 32 bytes of both final hashes,
 * sorted the same way; scanning the other side's code and comparing payloads checks all 256 bits
 * of each rather than the 100 bits that the digits carry.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, toBase64Url, utf8 } from './encoding.js';
import { UsageError } from './errors.js';

export const SAFETY_NUMBER_ITERATIONS = 5200;
const LABEL = utf8('parley/v1/safety-number\0');
const QR_PREFIX = 'PARLEYSN1:';

export interface SafetyParty {
  accountId: string;
  identityKey: Uint8Array;
}

function fingerprintHash(p: SafetyParty): Uint8Array {
  const account = utf8(p.accountId);
  if (account.length > 255) throw new UsageError('account id too long');
  if (p.identityKey.length !== 32) throw new UsageError('identity key must be 32 bytes');
  let h = sha512(concatBytes(LABEL, Uint8Array.of(account.length), account, p.identityKey));
  const buf = new Uint8Array(64 + 32);
  buf.set(p.identityKey, 64);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    buf.set(h, 0);
    h = sha512(buf);
  }
  return h;
}

function digits(h: Uint8Array): string {
  let out = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let v = 0;
    for (let i = 0; i < 5; i++) v = v * 256 + (h[chunk * 5 + i] as number);
    out += String(v % 100000).padStart(5, '0');
  }
  return out;
}

export interface SafetyNumber {
  /** 60 digits. */
  digits: string;
  /** The 60 digits in 12 groups of 5, as shown to people. */
  groups: string[];
  /** Text for a QR code. */
  qrPayload: string;
}

export function safetyNumber(a: SafetyParty, b: SafetyParty): SafetyNumber {
  const fa = fingerprintHash(a);
  const fb = fingerprintHash(b);
  const da = digits(fa);
  const db = digits(fb);
  // Order by digits; fall back to the full hash when the digits collide.
  const aFirst = da !== db ? da < db : toBase64Url(fa) <= toBase64Url(fb);
  const [first, second] = aFirst ? [fa, fb] : [fb, fa];
  const all = aFirst ? da + db : db + da;
  const groups: string[] = [];
  for (let i = 0; i < 60; i += 5) groups.push(all.slice(i, i + 5));
  return {
    digits: all,
    groups,
    qrPayload: QR_PREFIX + toBase64Url(concatBytes(first.subarray(0, 32), second.subarray(0, 32))),
  };
}

/** True when a scanned QR payload matches the safety number we computed. */
export function qrPayloadMatches(ours: SafetyNumber, scanned: string): boolean {
  const a = ours.qrPayload;
  if (a.length !== scanned.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ scanned.charCodeAt(i);
  return diff === 0;
}
