/** Valid encodings made invalid, for the property tests of decoders (fast-check arbitraries). */
import fc from 'fast-check';

/** A valid encoding made invalid in one of the ways a hostile peer or a damaged disk would. */
export function mutationOf(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const seed = fc.constantFrom(...seeds);
  return fc.oneof(
    // truncated
    seed.chain((s) => fc.nat(s.length).map((n) => s.slice(0, n))),
    // extended with junk
    fc.tuple(seed, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([s, junk]) => {
      const out = new Uint8Array(s.length + junk.length);
      out.set(s);
      out.set(junk, s.length);
      return out;
    }),
    // bytes overwritten (lengths, flags, type bytes, content)
    seed.chain((s) =>
      fc
        .array(fc.tuple(fc.nat(Math.max(0, s.length - 1)), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        })
        .map((edits) => {
          const out = s.slice();
          for (const [i, v] of edits) if (i < out.length) out[i] = v;
          return out;
        }),
    ),
    // a length field set to its maximum: the decoder must not trust it
    seed.chain((s) =>
      fc.nat(Math.max(0, s.length - 4)).map((i) => {
        const out = s.slice();
        out.fill(0xff, i, Math.min(out.length, i + 4));
        return out;
      }),
    ),
  );
}
