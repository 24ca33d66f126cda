/**
 * Shared harness for the IETF MLS working group's test vectors (mlswg/mls-implementations,
 * `test-vectors/*.json`, format specified in its `test-vectors.md`).
 *
 * Every vector file is run once per crypto provider from `../providers.ts`, as one vitest test that
 * loops over the cases and counts each one as passed, failed or "unsupported ciphersuite". A case is
 * unsupported only when ts-mls cannot build the ciphersuite at all (`DependencyError`: an optional
 * peer dependency is not installed); the set of unsupported suites is asserted exactly, so installing
 * or removing a dependency (or a provider starting to fail on a suite) is noticed.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  type CryptoProvider,
  ciphersuites,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';
import { DependencyError } from 'ts-mls/mlsError.js';
import { describe, expect, it } from 'vitest';
import { providers } from '../providers.js';

/** Where the unmodified JSON files live; `MLS_TEST_VECTORS_DIR` overrides (relative to the cwd). */
export const vectorsDir: string =
  process.env.MLS_TEST_VECTORS_DIR !== undefined && process.env.MLS_TEST_VECTORS_DIR !== ''
    ? resolve(process.env.MLS_TEST_VECTORS_DIR)
    : fileURLToPath(new URL('../../../../../shared/mls-test-vectors/', import.meta.url));

/**
 * Ciphersuites a provider cannot instantiate, by provider name (see `../providers.ts`).
 *
 * ts-mls 1.6.4's default provider, with the optional peer dependencies installed here (@hpke/core,
 * @hpke/chacha20poly1305, @hpke/hybridkem-x-wing, @noble/ciphers, @noble/curves, @noble/hashes),
 * cannot build the two X448 suites: their HPKE needs `@hpke/dhkem-x448`, which Parley does not
 * install (Ed448 itself would come from @noble/curves):
 *   4 MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448
 *   6 MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448
 * The native provider does X448 and Ed448 on node:crypto, so it supports every suite.
 * Suite 1 (Parley's default) must never appear here.
 */
export const UNSUPPORTED_SUITES: Readonly<Record<string, readonly number[]>> = {
  default: [4, 6],
  native: [],
};

function unsupportedSuitesOf(providerName: string): readonly number[] {
  const suites = UNSUPPORTED_SUITES[providerName];
  if (suites === undefined) throw new Error(`no UNSUPPORTED_SUITES entry for provider ${providerName}`);
  return suites;
}

/** Per-test timeout for one vector file × one provider. */
export const VECTOR_TIMEOUT_MS = 240_000;

/** Reads `<vectorsDir>/<file>.json`; its shape is the one `test-vectors.md` specifies for the file. */
export function loadVectors<T>(file: string): T[] {
  const parsed: unknown = JSON.parse(readFileSync(join(vectorsDir, `${file}.json`), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file}.json: expected a JSON array of test cases`);
  // The element type is trusted to follow test-vectors.md; a mismatch surfaces as a failing case.
  return parsed as T[];
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Decodes a hex string from a vector into a plain Uint8Array (not a Buffer). */
export function hex(s: string): Uint8Array {
  if (!HEX.test(s)) throw new Error(`invalid hex string (${s.length} chars): ${s.slice(0, 32)}`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const suiteNames = new Map<number, CiphersuiteName>(
  (Object.keys(ciphersuites) as CiphersuiteName[]).map((name) => [ciphersuites[name], name]),
);

/** The ts-mls name of a numeric ciphersuite id, or undefined if ts-mls does not know it. */
export function suiteName(id: number): CiphersuiteName | undefined {
  return suiteNames.get(id);
}

/** Like {@link suiteName} but throws for an unknown id. */
export function requireSuiteName(id: number): CiphersuiteName {
  const name = suiteName(id);
  if (name === undefined) throw new Error(`unknown ciphersuite id ${id}`);
  return name;
}

/** A vector assertion failure; the message names the field that differs. */
export class VectorMismatch extends Error {
  override name = 'VectorMismatch';
}

export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new VectorMismatch(what);
}

function abbreviate(h: string): string {
  return h.length <= 80 ? h : `${h.slice(0, 76)}...`;
}

/** Asserts byte equality; `expected` may be the vector's hex string. */
export function checkBytes(what: string, actual: Uint8Array, expected: Uint8Array | string): void {
  const want = typeof expected === 'string' ? expected.toLowerCase() : toHex(expected);
  const got = toHex(actual);
  if (got === want) return;
  let at = 0;
  while (at < got.length && got[at] === want[at]) at++;
  const byte = Math.floor(at / 2);
  throw new VectorMismatch(
    `${what}: ${got.length / 2} bytes, want ${want.length / 2}; first difference at byte ${byte}: ` +
      `got ${abbreviate(got.slice(byte * 2))}, want ${abbreviate(want.slice(byte * 2))}`,
  );
}

export function checkEqual<T extends string | number | bigint | boolean | null | undefined>(
  what: string,
  actual: T,
  expected: T,
): void {
  if (actual !== expected) {
    throw new VectorMismatch(`${what}: got ${String(actual)}, want ${String(expected)}`);
  }
}

/** Asserts that `promise` rejects (optionally with an instance of `errorClass`). */
export async function checkRejects(
  what: string,
  promise: Promise<unknown>,
  errorClass?: abstract new (...args: never[]) => Error,
): Promise<void> {
  try {
    await promise;
  } catch (e) {
    if (errorClass === undefined || e instanceof errorClass) return;
    throw new VectorMismatch(`${what}: rejected with ${describeError(e)}, want ${errorClass.name}`);
  }
  throw new VectorMismatch(`${what}: expected a rejection, but it succeeded`);
}

/** Flips one bit of a copy of `b` (for negative checks). */
export function tamper(b: Uint8Array, index = b.length - 1): Uint8Array {
  const out = new Uint8Array(b);
  if (out.length > 0) out[index] = (out[index] ?? 0) ^ 0x01;
  return out;
}

export function describeError(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
}

type SuiteLoad = { kind: 'ok'; impl: CiphersuiteImpl } | { kind: 'unsupported'; reason: string };

/** Builds (once per provider and suite) the CiphersuiteImpl, classifying missing optional deps. */
class SuiteCache {
  private readonly cache = new Map<number, Promise<SuiteLoad>>();
  constructor(private readonly provider: CryptoProvider) {}

  get(id: number): Promise<SuiteLoad> {
    let load = this.cache.get(id);
    if (load === undefined) {
      load = this.load(id);
      this.cache.set(id, load);
    }
    return load;
  }

  private async load(id: number): Promise<SuiteLoad> {
    const name = suiteName(id);
    if (name === undefined) return { kind: 'unsupported', reason: `ciphersuite ${id} unknown to ts-mls` };
    try {
      return { kind: 'ok', impl: await getCiphersuiteImpl(getCiphersuiteFromName(name), this.provider) };
    } catch (e) {
      // Only a missing optional dependency makes a suite "unsupported"; anything else is a failure.
      if (e instanceof DependencyError) return { kind: 'unsupported', reason: e.message };
      throw e;
    }
  }
}

export interface CaseFailure {
  index: number;
  suite: number | undefined;
  message: string;
}

export interface VectorSummary {
  file: string;
  provider: string;
  total: number;
  passed: number;
  failures: CaseFailure[];
  /** Case indices counted as unsupported, by suite id. */
  unsupported: Map<number, number[]>;
  /** Why each unsupported suite could not be built. */
  unsupportedReasons: Map<number, string>;
  elapsedMs: number;
  /** Time spent per ciphersuite (cases without a suite are under -1). */
  suiteMs: Map<number, number>;
}

export function formatSummary(s: VectorSummary): string {
  const unsupportedCount = [...s.unsupported.values()].reduce((n, cases) => n + cases.length, 0);
  const suites = [...s.unsupported.keys()].sort((a, b) => a - b);
  const suiteNote = suites.length > 0 ? ` (suites ${suites.join(',')})` : '';
  return (
    `[mls-vectors] ${s.file} [${s.provider}]: ${s.passed} passed, ${s.failures.length} failed, ` +
    `${unsupportedCount} unsupported${suiteNote} in ${(s.elapsedMs / 1000).toFixed(1)}s`
  );
}

async function runCases<T>(
  file: string,
  providerName: string,
  cases: readonly T[],
  runCase: (testCase: T) => Promise<'passed' | { unsupported: number; reason: string }>,
): Promise<VectorSummary> {
  const started = performance.now();
  const summary: VectorSummary = {
    file,
    provider: providerName,
    total: cases.length,
    passed: 0,
    failures: [],
    unsupported: new Map(),
    unsupportedReasons: new Map(),
    elapsedMs: 0,
    suiteMs: new Map(),
  };
  for (const [index, testCase] of cases.entries()) {
    const suite = (testCase as { cipher_suite?: unknown }).cipher_suite;
    const suiteId = typeof suite === 'number' ? suite : undefined;
    const caseStarted = performance.now();
    try {
      const outcome = await runCase(testCase);
      if (outcome === 'passed') {
        summary.passed++;
      } else {
        const list = summary.unsupported.get(outcome.unsupported) ?? [];
        list.push(index);
        summary.unsupported.set(outcome.unsupported, list);
        summary.unsupportedReasons.set(outcome.unsupported, outcome.reason);
      }
    } catch (e) {
      summary.failures.push({ index, suite: suiteId, message: describeError(e) });
    }
    const key = suiteId ?? -1;
    summary.suiteMs.set(key, (summary.suiteMs.get(key) ?? 0) + performance.now() - caseStarted);
  }
  summary.elapsedMs = performance.now() - started;
  return summary;
}

function assertSummary(summary: VectorSummary, expectedUnsupported: readonly number[]): void {
  console.log(formatSummary(summary));
  for (const f of summary.failures) {
    console.log(
      `[mls-vectors]   FAIL ${summary.file} [${summary.provider}] case ${f.index} (suite ${f.suite}): ${f.message}`,
    );
  }
  if (summary.elapsedMs > 5_000) {
    const perSuite = [...summary.suiteMs]
      .sort(([a], [b]) => a - b)
      .map(([suite, ms]) => `${suite}: ${(ms / 1000).toFixed(1)}s`);
    console.log(`[mls-vectors]   time by suite: ${perSuite.join(', ')}`);
  }
  const suitesByReason = new Map<string, number[]>();
  for (const [suite, reason] of [...summary.unsupportedReasons].sort(([a], [b]) => a - b)) {
    suitesByReason.set(reason, [...(suitesByReason.get(reason) ?? []), suite]);
  }
  for (const [reason, suites] of suitesByReason) {
    console.log(`[mls-vectors]   unsupported suites ${suites.join(',')}: ${reason}`);
  }
  expect(
    summary.failures.map((f) => `case ${f.index} (suite ${f.suite ?? '-'}): ${f.message}`),
    `${summary.file} [${summary.provider}] failing cases`,
  ).toEqual([]);
  const unsupportedSuites = [...summary.unsupported.keys()].sort((a, b) => a - b);
  expect(unsupportedSuites, `${summary.file} [${summary.provider}] unsupported suites`).toEqual(
    [...expectedUnsupported].sort((a, b) => a - b),
  );
  expect(unsupportedSuites, 'suite 1 must be fully supported').not.toContain(1);
  expect(summary.passed, `${summary.file} [${summary.provider}] passed cases`).toBeGreaterThan(0);
}

/** The unsupported suites expected for `cases` with a provider: its {@link UNSUPPORTED_SUITES} entry restricted to those present. */
function expectedUnsupportedFor(cases: readonly { cipher_suite: number }[], providerName: string): number[] {
  const present = new Set(cases.map((c) => c.cipher_suite));
  return unsupportedSuitesOf(providerName).filter((s) => present.has(s));
}

export interface SuiteCaseContext {
  impl: CiphersuiteImpl;
  suite: CiphersuiteName;
  providerName: string;
}

/**
 * Declares `<file> [<provider>]` for every provider: one test running every case of a vector file
 * whose cases carry a `cipher_suite`.
 */
export function describeSuiteVectors<T extends { cipher_suite: number }>(
  file: string,
  runCase: (testCase: T, ctx: SuiteCaseContext) => Promise<void>,
): void {
  const cases = loadVectors<T>(file);
  for (const { name: providerName, provider } of providers) {
    const expectedUnsupported = expectedUnsupportedFor(cases, providerName);
    describe(`${file} [${providerName}]`, () => {
      it(
        'matches every official test vector',
        async () => {
          const suites = new SuiteCache(provider);
          const summary = await runCases(file, providerName, cases, async (testCase) => {
            const load = await suites.get(testCase.cipher_suite);
            if (load.kind === 'unsupported') {
              return { unsupported: testCase.cipher_suite, reason: load.reason };
            }
            await runCase(testCase, {
              impl: load.impl,
              suite: requireSuiteName(testCase.cipher_suite),
              providerName,
            });
            return 'passed';
          });
          assertSummary(summary, expectedUnsupported);
        },
        VECTOR_TIMEOUT_MS,
      );
    });
  }
}

/**
 * Same for vector files without a ciphersuite (tree math, codecs): these exercise no cryptography,
 * so the provider does not influence them, but they are still reported per provider for uniformity.
 */
export function describePlainVectors<T>(file: string, runCase: (testCase: T) => void | Promise<void>): void {
  const cases = loadVectors<T>(file);
  for (const { name: providerName } of providers) {
    describe(`${file} [${providerName}]`, () => {
      it(
        'matches every official test vector',
        async () => {
          const summary = await runCases(file, providerName, cases, async (testCase) => {
            await runCase(testCase);
            return 'passed';
          });
          assertSummary(summary, []);
        },
        VECTOR_TIMEOUT_MS,
      );
    });
  }
}

/** True if `privateKey` (SerializePrivateKey form) opens what is sealed to `publicKey`. */
export async function hpkeKeysMatch(
  impl: CiphersuiteImpl,
  publicKey: Uint8Array,
  privateKey: Uint8Array,
): Promise<boolean> {
  const plaintext = new TextEncoder().encode('parley key check');
  const info = new TextEncoder().encode('mls-vectors');
  const { ct, enc } = await impl.hpke.seal(await impl.hpke.importPublicKey(publicKey), plaintext, info);
  const opened = await impl.hpke.open(await impl.hpke.importPrivateKey(privateKey), enc, ct, info);
  return toHex(opened) === toHex(plaintext);
}

/** True if a signature made with `signKey` verifies under `publicKey`. */
export async function signatureKeysMatch(
  impl: CiphersuiteImpl,
  publicKey: Uint8Array,
  signKey: Uint8Array,
): Promise<boolean> {
  const message = new TextEncoder().encode('parley signature key check');
  return impl.signature.verify(publicKey, message, await impl.signature.sign(signKey, message));
}
