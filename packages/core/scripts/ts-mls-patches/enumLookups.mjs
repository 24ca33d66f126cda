/**
 * Performance, no change in output. ts-mls decodes every enum field (node type, leaf node source,
 * credential type, extension type, ...) by rebuilding the enum's reverse map with an object spread per
 * entry, on every value decoded: joining a group of 1,000 spent a tenth of its time there. The
 * enums are constant records; the patched helpers build the reverse map once, when the decoder is
 * made, and answer from it as before (a value not in the enum: undefined, or for open enums its
 * decimal string).
 */
export const file = 'util/enumHelpers.js';
export const originalSha256 = 'e470653ffc284e8ce2ae6ee561bc4c0b4a2d1cea808a21a61a519265996319fb';
export const summary = 'enum decoders look values up in a map built once';

export const edits = [
  [
    `export function enumNumberToKey(t) {
    return (n) => (Object.values(t).includes(n) ? reverseMap(t)[n] : undefined);
}`,
    `// Parley patch (scripts/ts-mls-patches/enumLookups.mjs): the reverse map is built once per enum.
export function enumNumberToKey(t) {
    const values = new Set(Object.values(t));
    const keys = reverseMap(t);
    return (n) => (values.has(n) ? keys[n] : undefined);
}`,
  ],
  [
    `export function openEnumNumberToKey(rec) {
    return (n) => {
        const decoded = enumNumberToKey(rec)(n);`,
    `export function openEnumNumberToKey(rec) {
    const toKey = enumNumberToKey(rec);
    return (n) => {
        const decoded = toKey(n);`,
  ],
];
