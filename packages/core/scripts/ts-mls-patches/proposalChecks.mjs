/**
 * Performance, same verdicts. Validating a commit's proposals (RFC 9420 §12.2), ts-mls compares every
 * Add's KeyPackage with every other Add's ("two Adds for the same client") and with every leaf of the
 * tree ("an Add for a client already in the group"), pairwise: adding 999 members made ~10⁶
 * comparisons. With ts-mls's default KeyPackage equality (the one Parley configures: two KeyPackages
 * or a KeyPackage and a leaf are the same client when their signature keys are equal), both checks
 * are answered from a set of signature keys instead, in linear time; a custom equality keeps the
 * pairwise comparisons.
 */
export const file = 'clientState.js';
export const originalSha256 = '63645bc3be6ec7f6d4f6d88af5c0b63e34f5e1fea693c62bd958d228b51b6f61';
export const summary = 'duplicate-Add checks in linear time for the default KeyPackage equality';

export const edits = [
  [
    `    const multipleAddsContainSameKeypackage = p.add.some(({ proposal: a }, indexA) => p.add.some(({ proposal: b }, indexB) => config.compareKeyPackages(a.add.keyPackage, b.add.keyPackage) && indexA !== indexB));`,
    `    // Parley patch (scripts/ts-mls-patches/proposalChecks.mjs): with the default equality (equal
    // signature keys), sets of keys instead of comparing every pair.
    const defaultEquality = config.compareKeyPackages === defaultKeyPackageEqualityConfig.compareKeyPackages &&
        config.compareKeyPackageToLeafNode === defaultKeyPackageEqualityConfig.compareKeyPackageToLeafNode;
    const addedKeys = p.add.map(({ proposal }) => bytesToBase64(proposal.add.keyPackage.leafNode.signaturePublicKey));
    const multipleAddsContainSameKeypackage = defaultEquality
        ? new Set(addedKeys).size !== addedKeys.length
        : p.add.some(({ proposal: a }, indexA) => p.add.some(({ proposal: b }, indexB) => config.compareKeyPackages(a.add.keyPackage, b.add.keyPackage) && indexA !== indexB));`,
  ],
  [
    `    const addsContainExistingKeypackage = p.add.some(({ proposal }) => tree.some((node, nodeIndex) => node !== undefined &&`,
    `    const removedLeaves = new Set(p.remove.map((r) => r.proposal.remove.removed));
    const remainingKeys = defaultEquality && p.add.length > 0
        ? new Set(tree.flatMap((node, nodeIndex) => node !== undefined &&
            node.nodeType === "leaf" &&
            !removedLeaves.has(nodeToLeafIndex(toNodeIndex(nodeIndex)))
            ? [bytesToBase64(node.leaf.signaturePublicKey)]
            : []))
        : undefined;
    const addsContainExistingKeypackage = remainingKeys !== undefined
        ? addedKeys.some((key) => remainingKeys.has(key))
        : p.add.some(({ proposal }) => tree.some((node, nodeIndex) => node !== undefined &&`,
  ],
  [
    `import { bytesToBase64, zeroOutUint8Array } from "./util/byteArray.js";`,
    `import { bytesToBase64, zeroOutUint8Array } from "./util/byteArray.js";
import { defaultKeyPackageEqualityConfig } from "./keyPackageEqualityConfig.js";`,
  ],
];
