/**
 * Performance, same bytes. Adding members encodes each added KeyPackage several times over: for its
 * reference (RFC 9420 §5.2), inside the commit's FramedContentTBS for the signature, the confirmed
 * transcript hash input and the PublicMessage sent (§6), each time field by field: in a commit adding
 * 999 members, about 4,000 KeyPackage encodings of ~400 bytes.
 *
 * ts-mls never modifies a KeyPackage in place (decoding and signing make new objects), so the
 * patched `keyPackageEncoder` keeps each KeyPackage object's encoding, held weakly by the object,
 * and copies it into the output. A KeyPackage not seen before is encoded exactly as before.
 */
export const file = 'keyPackage.js';
export const originalSha256 = '1ef36bac7133470e08e0e6ac9cf167b02fd4abcac1a936668d91c66d476ed4b1';
export const summary = 'KeyPackages encoded once per object';

export const edits = [
  [
    `export const keyPackageEncoder = contramapBufferEncoders([keyPackageTBSEncoder, varLenDataEncoder], (keyPackage) => [keyPackage, keyPackage.signature]);`,
    `const encodeKeyPackageFields = encode(contramapBufferEncoders([keyPackageTBSEncoder, varLenDataEncoder], (keyPackage) => [keyPackage, keyPackage.signature]));
// Parley patch (scripts/ts-mls-patches/keyPackageEncodings.mjs): each KeyPackage object's encoding, kept.
const keyPackageEncodings = new WeakMap();
export const keyPackageEncoder = (keyPackage) => {
    let bytes = keyPackageEncodings.get(keyPackage);
    if (bytes === undefined) {
        bytes = encodeKeyPackageFields(keyPackage);
        keyPackageEncodings.set(keyPackage, bytes);
    }
    const encoded = bytes;
    return [encoded.length, (offset, buffer) => new Uint8Array(buffer).set(encoded, offset)];
};`,
  ],
];
