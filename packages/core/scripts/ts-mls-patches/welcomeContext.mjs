/**
 * Performance, no change in output. A Welcome encrypts the GroupSecrets to each new member with
 * EncryptWithLabel(init_key, "Welcome", encrypted_group_info, ...) (RFC 9420 §12.4.3.1); the HPKE
 * info is EncryptContext{"MLS 1.0 Welcome", encrypted_group_info}, the same for every new member,
 * and with the ratchet tree inside the GroupInfo it is as large as the tree (~0.4 MB for 1,000
 * members). ts-mls encoded it again for each new member: adding 999 members copied ~0.4 GB.
 *
 * This splits encryptGroupSecrets in two: welcomeEncryptContext builds those bytes, and
 * encryptGroupSecretsWithContext seals with them; createCommit.js (welcomeContextCreate.mjs) builds
 * the context once per Welcome. encryptGroupSecrets itself keeps its behaviour (it is the two in a
 * row). The bytes are those of crypto/hpke.js's encryptWithLabel, which stays in use for every other
 * label. Passing one Uint8Array to every seal also lets the native provider hash that info once per
 * Welcome rather than once per member (packages/core/src/node/nativeHpke.ts).
 */
export const file = 'welcome.js';
export const originalSha256 = '58bfbb08de92f1eb3c2e4611f9516c072fb64cec777260e8bbc473ae8b148646';
export const summary = 'Welcome EncryptContext encoded once per Welcome';

export const edits = [
  [
    `import { contramapBufferEncoders, encode } from "./codec/tlsEncoder.js";`,
    `import { composeBufferEncoders, contramapBufferEncoders, encode } from "./codec/tlsEncoder.js";`,
  ],
  [
    `export function encryptGroupSecrets(initKey, encryptedGroupInfo, groupSecrets, hpke) {
    return encryptWithLabel(initKey, "Welcome", encryptedGroupInfo, encode(groupSecretsEncoder)(groupSecrets), hpke);
}`,
    `export function encryptGroupSecrets(initKey, encryptedGroupInfo, groupSecrets, hpke) {
    return encryptGroupSecretsWithContext(initKey, welcomeEncryptContext(encryptedGroupInfo), groupSecrets, hpke);
}
// Parley patch (scripts/ts-mls-patches/welcomeContext.mjs): the HPKE info of EncryptWithLabel(_,
// "Welcome", encrypted_group_info, _), built once per Welcome and sealed to each new member.
export function welcomeEncryptContext(encryptedGroupInfo) {
    return encode(composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]))([
        new TextEncoder().encode("MLS 1.0 Welcome"),
        encryptedGroupInfo,
    ]);
}
export function encryptGroupSecretsWithContext(initKey, welcomeContext, groupSecrets, hpke) {
    return hpke.seal(initKey, encode(groupSecretsEncoder)(groupSecrets), welcomeContext, new Uint8Array());
}`,
  ],
];
