/**
 * Encryption at rest for everything a client stores that holds keys or history (MLS group state,
 * identity keys, messages). No client writes private keys in clear.
 *
 * Envelope (all integers big-endian):
 *   "PRLY" | version u8 = 1 | kdf u8 | kdf params | nonce (24) | XChaCha20-Poly1305(plaintext)
 *   kdf 0 = a supplied 32-byte key, no params;
 *   kdf 1 = scrypt(passphrase, salt, N = 2^logN, r, p): params logN u8 | r u8 | p u8 | salt (16).
 * The AEAD's associated data is the header (everything before the nonce) followed by a caller-chosen
 * context label, so a record cannot be moved to a place where a different kind of record belongs.
 *
 * scrypt (RFC 7914) is the memory-hard KDF: @noble/hashes's implementation everywhere, or Node's
 * native one (same output) through `@parley/core/node`. Default cost N = 2^17, r = 8, p = 1 (128 MiB).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { concatBytes, Reader, randomBytes, utf8, Writer } from './encoding.js';
import { CryptoError, DecodeError, UsageError } from './errors.js';
import { isTestRun } from './testRun.js';

const MAGIC = utf8('PRLY');
const VERSION = 1;
const KDF_RAW = 0;
const KDF_SCRYPT = 1;
const NONCE_BYTES = 24;
const SALT_BYTES = 16;
export const STORAGE_KEY_BYTES = 32;

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { logN: 17, r: 8, p: 1 };
/** Bounds on what an envelope may ask for, so a hostile file cannot make us allocate gigabytes. */
const MAX_LOG_N = 20;
const MAX_R = 16;
const MAX_P = 4;

export type ScryptFunction = (
  passphrase: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
  dkLen: number,
) => Promise<Uint8Array>;

export const nobleScrypt: ScryptFunction = (passphrase, salt, { logN, r, p }, dkLen) =>
  scryptAsync(passphrase, salt, { N: 2 ** logN, r, p, dkLen, maxmem: 2 ** 31 });

/** A key ready to seal and open records. `header` says how it was derived. */
export interface StorageKey {
  readonly key: Uint8Array;
  readonly header: Uint8Array;
}

function header(kdf: number, params?: ScryptParams, salt?: Uint8Array): Uint8Array {
  const w = new Writer().fixed(MAGIC, 4).u8(VERSION).u8(kdf);
  if (kdf === KDF_SCRYPT && params && salt)
    w.u8(params.logN).u8(params.r).u8(params.p).fixed(salt, SALT_BYTES);
  return w.finish();
}

function checkParams(params: ScryptParams, allowWeak: boolean): void {
  const { logN, r, p } = params;
  if (![logN, r, p].every(Number.isInteger) || logN > MAX_LOG_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P) {
    throw new DecodeError('scrypt parameters out of range');
  }
  if (logN < 15 && !allowWeak) throw new DecodeError('scrypt parameters too weak');
}

export interface DeriveOptions {
  params?: ScryptParams;
  salt?: Uint8Array;
  scrypt?: ScryptFunction;
  /** Test-only: permit cheap scrypt parameters. Refused outside a test run. */
  unsafeTestingWeakKdf?: boolean;
}

export async function deriveStorageKey(passphrase: string, options: DeriveOptions = {}): Promise<StorageKey> {
  if (options.unsafeTestingWeakKdf && !isTestRun())
    throw new UsageError('unsafeTestingWeakKdf is for tests only');
  if (passphrase.length === 0) throw new UsageError('passphrase must not be empty');
  const params = options.params ?? DEFAULT_SCRYPT;
  checkParams(params, options.unsafeTestingWeakKdf === true);
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  if (salt.length !== SALT_BYTES) throw new UsageError('salt must be 16 bytes');
  const kdf = options.scrypt ?? nobleScrypt;
  const key = await kdf(utf8(passphrase.normalize('NFKC')), salt, params, STORAGE_KEY_BYTES);
  return { key, header: header(KDF_SCRYPT, params, salt) };
}

/** A storage key from 32 random bytes the caller keeps safe (an OS keystore, a non-extractable slot). */
export function storageKeyFromBytes(key: Uint8Array): StorageKey {
  if (key.length !== STORAGE_KEY_BYTES) throw new UsageError('storage key must be 32 bytes');
  return { key: key.slice(), header: header(KDF_RAW) };
}

export function generateStorageKey(): StorageKey {
  return storageKeyFromBytes(randomBytes(STORAGE_KEY_BYTES));
}

function aad(headerBytes: Uint8Array, context: string): Uint8Array {
  return concatBytes(headerBytes, utf8(context));
}

export function seal(key: StorageKey, plaintext: Uint8Array, context: string): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const ciphertext = xchacha20poly1305(key.key, nonce, aad(key.header, context)).encrypt(plaintext);
  return concatBytes(key.header, nonce, ciphertext);
}

interface ParsedEnvelope {
  header: Uint8Array;
  kdf: number;
  params?: ScryptParams;
  salt?: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

function parse(envelope: Uint8Array): ParsedEnvelope {
  try {
    const r = new Reader(envelope);
    const magic = r.fixed(4);
    if (magic.some((b, i) => b !== MAGIC[i])) throw new DecodeError('not a Parley encrypted record');
    const version = r.u8();
    if (version !== VERSION) throw new DecodeError(`unsupported record version ${version}`);
    const kdf = r.u8();
    let params: ScryptParams | undefined;
    let salt: Uint8Array | undefined;
    if (kdf === KDF_SCRYPT) {
      params = { logN: r.u8(), r: r.u8(), p: r.u8() };
      salt = r.fixed(SALT_BYTES);
    } else if (kdf !== KDF_RAW) throw new DecodeError('unknown key derivation');
    const headerBytes = envelope.slice(0, r.position);
    const nonce = r.fixed(NONCE_BYTES);
    const ciphertext = r.rest();
    if (ciphertext.length < 16) throw new DecodeError('truncated record');
    return {
      header: headerBytes,
      kdf,
      nonce,
      ciphertext,
      ...(params ? { params } : {}),
      ...(salt ? { salt } : {}),
    };
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError('malformed encrypted record');
  }
}

function decrypt(key: Uint8Array, env: ParsedEnvelope, context: string): Uint8Array {
  try {
    return xchacha20poly1305(key, env.nonce, aad(env.header, context)).decrypt(env.ciphertext);
  } catch {
    throw new CryptoError(
      'wrong_key',
      'record does not open with this key (wrong key or passphrase, or tampered)',
    );
  }
}

export function open(key: StorageKey, envelope: Uint8Array, context: string): Uint8Array {
  const env = parse(envelope);
  return decrypt(key.key, env, context);
}

/** Open a record sealed under a passphrase-derived key, deriving the key from its header. */
export async function openWithPassphrase(
  passphrase: string,
  envelope: Uint8Array,
  context: string,
  options: Pick<DeriveOptions, 'scrypt' | 'unsafeTestingWeakKdf'> = {},
): Promise<{ plaintext: Uint8Array; key: StorageKey }> {
  const env = parse(envelope);
  if (env.kdf !== KDF_SCRYPT || env.params === undefined || env.salt === undefined) {
    throw new UsageError('record was not sealed under a passphrase');
  }
  const key = await deriveStorageKey(passphrase, { ...options, params: env.params, salt: env.salt });
  return { plaintext: decrypt(key.key, env, context), key };
}

/** Does this key open records sealed with that header (same passphrase-derivation or raw key)? */
export function sameKeyHeader(key: StorageKey, envelope: Uint8Array): boolean {
  const env = parse(envelope);
  return env.header.length === key.header.length && env.header.every((b, i) => b === key.header[i]);
}
