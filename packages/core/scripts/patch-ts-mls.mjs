/**
 * Corrects one check in ts-mls 1.6.4, run by `npm install` / `npm ci` (@parley/core's `postinstall`,
 * so an install of the published package is corrected too; the repository's root runs it as well).
 *
 * When a client joins a group (Welcome or external commit), ts-mls validates the ratchet tree. For
 * every leaf L listed as unmerged at a parent node P, RFC 9420 §12.4.3.1 asks that L be a non-blank
 * leaf below P and that every non-blank node *between L and P* also list L. ts-mls 1.6.4 (and
 * 2.0.0-rc.10) instead demands that every non-blank node on L's whole direct path carry *exactly the
 * same list* as P, which refuses valid trees that ordinary use produces (remove → update → add into
 * the freed leaf → update elsewhere: the next person added cannot join at all). Its descendant check
 * also only fails when both conditions fail (`&&` where the RFC needs either).
 *
 * This script replaces that loop with the RFC's rule, nothing else. It works on exact bytes: the
 * file must hash to the published 1.6.4 file (or to the already-patched result), otherwise it stops
 * the install with an error rather than patch something it has not seen. The change is tested in
 * packages/core/test/upstream.test.ts (the valid tree is accepted; trees the RFC forbids are still
 * refused). Remove this script when ts-mls ships a conforming check.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const VERSION = '1.6.4';
const ORIGINAL_SHA256 = '63645bc3be6ec7f6d4f6d88af5c0b63e34f5e1fea693c62bd958d228b51b6f61';

const BEFORE = `                if (tree[nodeIndex]?.nodeType !== "leaf" && !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                for (const parentIdx of dp) {
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== "parent")
                            return new InternalError("Expected parent node");
                        if (!arraysEqual(dpNode.parent.unmergedLeaves, n.parent.unmergedLeaves))
                            return new ValidationError("non-blank intermediate node must list leaf node in its unmerged_leaves");
                    }
                }`;

const AFTER = `                // Parley patch (scripts/patch-ts-mls.mjs), RFC 9420 §12.4.3.1: L is a non-blank leaf
                // below P, and every non-blank node between L and P lists L.
                if (tree[nodeIndex]?.nodeType !== "leaf" || !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                for (const parentIdx of dp) {
                    if (parentIdx === toNodeIndex(i))
                        break;
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== "parent")
                            return new InternalError("Expected parent node");
                        if (!dpNode.parent.unmergedLeaves.includes(unmergedLeaf))
                            return new ValidationError("non-blank intermediate node must list leaf node in its unmerged_leaves");
                    }
                }`;

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
const file = new URL('./clientState.js', `file://${entry}`);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', `file://${entry}`), 'utf8'));
if (pkg.version !== VERSION) fail(`expected ts-mls ${VERSION}, found ${pkg.version}: review the patch`);

const source = readFileSync(file, 'utf8');
if (sha256(source) === ORIGINAL_SHA256) {
  const patched = source.replace(BEFORE, AFTER);
  if (patched === source) fail('the expected code was not found');
  writeFileSync(file, patched);
  console.log('patch-ts-mls: ratchet-tree unmerged-leaves check corrected (RFC 9420 §12.4.3.1)');
} else if (sha256(source.replace(AFTER, BEFORE)) !== ORIGINAL_SHA256) {
  // Already patched files pass here: undoing the patch gives back the published bytes exactly.
  fail(
    `clientState.js is neither the published ${VERSION} file nor exactly that file patched (sha256 ${sha256(source)})`,
  );
}
