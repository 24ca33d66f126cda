/**
 * Recovery keys: 256 random bits a person writes down once, which open their encrypted backup
 * (backup.ts). Shown as 64 characters of Crockford base32 (no I, L, O, U) in four lines of four
 * groups of four. Each line carries 8 bytes of the key and a 2-byte check — the first bytes of
 * SHA-256("parley/v1/recovery-key-check" || line number || those 8 bytes) — so a mistyped or
 * swapped character is caught, and its line named, before any decryption is tried (a typo slips
 * through with probability 2^-16 per line, and then fails as a wrong key).
 *
 * Typing is lenient: case, spaces and dashes do not matter, and I/L read as 1, O as 0.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes, randomBytes, utf8 } from './encoding.js';
import { ParleyError } from './errors.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_KEY_BYTES = 32;
/** A recovery key has this many letters and digits. */
export const RECOVERY_KEY_CHARS = 64;
const LINES = 4;
const LINE_KEY_BYTES = 8;
const LINE_CHARS = 16;
const CHECK_LABEL = utf8('parley/v1/recovery-key-check');

function lineCheck(line: number, keyBytes: Uint8Array): Uint8Array {
  return sha256(concatBytes(CHECK_LABEL, new Uint8Array([line]), keyBytes)).subarray(0, 2);
}

/** 10 bytes (80 bits) as 16 base32 characters, most significant first. */
function encodeLine(bytes: Uint8Array): string {
  let n = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  let out = '';
  for (let i = 0; i < LINE_CHARS; i++, n >>= 5n) out = ALPHABET[Number(n & 31n)]! + out;
  return out;
}

function decodeLine(chars: string): Uint8Array {
  let n = [...chars].reduce((acc, c) => (acc << 5n) | BigInt(ALPHABET.indexOf(c)), 0n);
  const out = new Uint8Array(LINE_KEY_BYTES + 2);
  for (let i = out.length - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 255n);
  return out;
}

/** The key as it is shown: four lines (separated by spaces) of four dash-separated groups of four. */
export function formatRecoveryKey(key: Uint8Array): string {
  if (key.length !== RECOVERY_KEY_BYTES) throw new ParleyError('usage', 'a recovery key is 32 bytes');
  const lines: string[] = [];
  for (let line = 0; line < LINES; line++) {
    const part = key.subarray(line * LINE_KEY_BYTES, (line + 1) * LINE_KEY_BYTES);
    lines.push(
      encodeLine(concatBytes(part, lineCheck(line, part)))
        .match(/.{4}/g)!
        .join('-'),
    );
  }
  return lines.join(' ');
}

/** A new recovery key (256 random bits), formatted to show once. */
export function generateRecoveryKey(): string {
  return formatRecoveryKey(randomBytes(RECOVERY_KEY_BYTES));
}

const invalid = (message: string) => new ParleyError('recovery_key_invalid', message);

/**
 * The key's 32 bytes from what was typed, or `recovery_key_invalid` saying what is wrong: its
 * length, a character that is not in a recovery key, or the line holding a mistyped character.
 */
export function parseRecoveryKey(typed: string): Uint8Array {
  const clean = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (clean.length !== RECOVERY_KEY_CHARS)
    throw invalid(
      `a recovery key has ${RECOVERY_KEY_CHARS} letters and digits; this one has ${clean.length}`,
    );
  const bad = [...clean].findIndex((c) => !ALPHABET.includes(c));
  if (bad >= 0)
    throw invalid(`character ${bad + 1} of the recovery key (“${clean[bad]}”) is not in a recovery key`);
  const key = new Uint8Array(RECOVERY_KEY_BYTES);
  for (let line = 0; line < LINES; line++) {
    const bytes = decodeLine(clean.slice(line * LINE_CHARS, (line + 1) * LINE_CHARS));
    const part = bytes.subarray(0, LINE_KEY_BYTES);
    if (!bytesEqual(bytes.subarray(LINE_KEY_BYTES), lineCheck(line, part)))
      throw invalid(
        `a character in line ${line + 1} of the recovery key (characters ${line * LINE_CHARS + 1} to ${(line + 1) * LINE_CHARS}) is wrong: check it against what you wrote down`,
      );
    key.set(part, line * LINE_KEY_BYTES);
  }
  return key;
}
