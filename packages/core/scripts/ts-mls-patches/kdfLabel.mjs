/**
 * Performance, same bytes. ExpandWithLabel (RFC 9420 §8) runs for every node of the secret tree at
 * every epoch (~6,000 times per commit in a group of 1,000) and for every key and nonce. ts-mls built
 * its KDFLabel encoder (three composed encoders) and UTF-8 encoded "MLS 1.0 " + label on every call.
 * The patched function composes the encoder once and keeps the encoded labels (a bounded map: MLS
 * uses a fixed handful; an application's exporter labels beyond 256 are encoded as before). The
 * KDFLabel bytes are unchanged.
 */
export const file = 'crypto/kdf.js';
export const originalSha256 = '3f3059ee090bf5de9e582856759089565ca4e9e9e0221c0677352ecb1fa0c3cb';
export const summary = 'KDFLabel encoder composed once, labels encoded once';

export const edits = [
  [
    `export function expandWithLabel(secret, label, context, length, kdf) {
    return kdf.expand(secret, encode(composeBufferEncoders([uint16Encoder, varLenDataEncoder, varLenDataEncoder]))([
        length,
        new TextEncoder().encode(\`MLS 1.0 \${label}\`),
        context,
    ]), length);
}`,
    `// Parley patch (scripts/ts-mls-patches/kdfLabel.mjs): the encoder and the labels' bytes made once.
const encodeKdfLabel = encode(composeBufferEncoders([uint16Encoder, varLenDataEncoder, varLenDataEncoder]));
const labelBytes = new Map();
function mlsLabel(label) {
    let bytes = labelBytes.get(label);
    if (bytes === undefined) {
        bytes = new TextEncoder().encode(\`MLS 1.0 \${label}\`);
        if (labelBytes.size < 256)
            labelBytes.set(label, bytes);
    }
    return bytes;
}
export function expandWithLabel(secret, label, context, length, kdf) {
    return kdf.expand(secret, encodeKdfLabel([length, mlsLabel(label), context]), length);
}`,
  ],
];
