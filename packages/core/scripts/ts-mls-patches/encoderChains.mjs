/**
 * Performance, same bytes. ts-mls's encoders work in two passes: each returns its length and a
 * function that writes it. A struct's encoder (`contramapBufferEncoders`) chained its fields' write
 * functions into one closure per field, each calling the one before it; writing a struct of k fields
 * went k calls deep. The patched encoder keeps the fields' lengths and write functions in two arrays
 * and writes them in one loop, in the same order and at the same offsets.
 */
export const file = 'codec/tlsEncoder.js';
export const originalSha256 = 'e4088488e18242e99a26293b7e9cf485b4e66f9504b82189ff3ff80881ebb20b';
export const summary = 'struct encoders write their fields in a loop, not through a chain of closures';

export const edits = [
  [
    `    return (value) => {
        const values = toTuple(value);
        let totalLength = 0;
        let writeTotal = (_offset, _buffer) => { };
        for (let i = 0; i < encoders.length; i++) {
            const [len, write] = encoders[i](values[i]);
            const oldFunc = writeTotal;
            const currentLen = totalLength;
            writeTotal = (offset, buffer) => {
                oldFunc(offset, buffer);
                write(offset + currentLen, buffer);
            };
            totalLength += len;
        }
        return [totalLength, writeTotal];
    };`,
    `    // Parley patch (scripts/ts-mls-patches/encoderChains.mjs): the fields written in one loop.
    return (value) => {
        const values = toTuple(value);
        const count = encoders.length;
        const offsets = new Array(count);
        const writes = new Array(count);
        let totalLength = 0;
        for (let i = 0; i < count; i++) {
            const [len, write] = encoders[i](values[i]);
            offsets[i] = totalLength;
            writes[i] = write;
            totalLength += len;
        }
        return [
            totalLength,
            (offset, buffer) => {
                for (let i = 0; i < count; i++)
                    writes[i](offset + offsets[i], buffer);
            },
        ];
    };`,
  ],
];
