/**
 * Patches ts-mls 1.6.4 at install (`npm install` / `npm ci`: @parley/core's `postinstall`, so an
 * install of the published package is patched too; the repository's root runs it as well).
 *
 * Each patch is a module in ./ts-mls-patches/ naming one file of ts-mls's dist/src, the SHA-256 of
 * that file as published, and exact text replacements, with the reason in its header. There are two
 * kinds: one correctness fix (unmergedLeaves.mjs) and performance patches, which change how much
 * work is done, never a byte that goes on the wire or a check that is made (the official MLS test
 * vectors in packages/core/test/vectors run through the patched library, on both providers).
 *
 * The script works on exact bytes: a file must hash to the published file (then it is patched) or to
 * exactly the patched result (then it is left alone); anything else stops the install with an error
 * rather than patch something it has not seen.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as concurrentVerify from './ts-mls-patches/concurrentVerify.mjs';
import * as encoderChains from './ts-mls-patches/encoderChains.mjs';
import * as enumLookups from './ts-mls-patches/enumLookups.mjs';
import * as findLeaf from './ts-mls-patches/findLeaf.mjs';
import * as kdfLabel from './ts-mls-patches/kdfLabel.mjs';
import * as keyPackageEncodings from './ts-mls-patches/keyPackageEncodings.mjs';
import * as listEncoderChains from './ts-mls-patches/listEncoderChains.mjs';
import * as nodeEncodings from './ts-mls-patches/nodeEncodings.mjs';
import * as proposalChecks from './ts-mls-patches/proposalChecks.mjs';
import * as secretTreeLazy from './ts-mls-patches/secretTreeLazy.mjs';
import * as secretTreeLazyTypes from './ts-mls-patches/secretTreeLazyTypes.mjs';
import * as treeHashCache from './ts-mls-patches/treeHashCache.mjs';
import * as unmergedLeaves from './ts-mls-patches/unmergedLeaves.mjs';
import * as updatePathContext from './ts-mls-patches/updatePathContext.mjs';
import * as welcomeAncestors from './ts-mls-patches/welcomeAncestors.mjs';
import * as welcomeContext from './ts-mls-patches/welcomeContext.mjs';
import * as welcomeContextCreate from './ts-mls-patches/welcomeContextCreate.mjs';

const VERSION = '1.6.4';
const PATCHES = [
  unmergedLeaves,
  proposalChecks,
  concurrentVerify,
  welcomeContext,
  welcomeContextCreate,
  welcomeAncestors,
  treeHashCache,
  enumLookups,
  findLeaf,
  kdfLabel,
  encoderChains,
  listEncoderChains,
  nodeEncodings,
  secretTreeLazy,
  secretTreeLazyTypes,
  keyPackageEncodings,
  updatePathContext,
];

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function fail(message) {
  console.error(`patch-ts-mls: ${message}`);
  process.exit(1);
}

let entry;
try {
  entry = fileURLToPath(import.meta.resolve('ts-mls'));
} catch {
  fail('ts-mls is not installed');
}
const pkg = JSON.parse(readFileSync(new URL('../../package.json', `file://${entry}`), 'utf8'));
if (pkg.version !== VERSION) fail(`expected ts-mls ${VERSION}, found ${pkg.version}: review the patches`);

function apply(source, edits) {
  let out = source;
  for (const [before, after] of edits) {
    const next = out.replace(before, after);
    if (next === out) return undefined;
    out = next;
  }
  return out;
}

function undo(source, edits) {
  let out = source;
  for (const [before, after] of [...edits].reverse()) out = out.replace(after, before);
  return out;
}

// Patches of one file are applied together, in the order listed, and checked against that file's
// published hash.
const byFile = new Map();
for (const patch of PATCHES) byFile.set(patch.file, [...(byFile.get(patch.file) ?? []), patch]);

for (const [name, patches] of byFile) {
  const originalSha256 = patches[0].originalSha256;
  if (patches.some((p) => p.originalSha256 !== originalSha256)) fail(`${name}: patches disagree on its hash`);
  const edits = patches.flatMap((p) => p.edits);
  const file = new URL(`./${name}`, `file://${entry}`);
  const source = readFileSync(file, 'utf8');
  // A file already patched (wholly, or by an earlier version of this list) gives back the published
  // bytes exactly when its patches are undone.
  const original = sha256(source) === originalSha256 ? source : undo(source, edits);
  if (sha256(original) !== originalSha256) {
    fail(`${name} is neither the published ${VERSION} file nor that file patched (sha256 ${sha256(source)})`);
  }
  const patched = apply(original, edits);
  if (patched === undefined) fail(`${name}: the expected code was not found`);
  if (patched !== source) {
    writeFileSync(file, patched);
    for (const p of patches) console.log(`patch-ts-mls: ${name}: ${p.summary}`);
  }
}
