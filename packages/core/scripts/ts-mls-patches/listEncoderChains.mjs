/**
 * Performance, same bytes. A vector's encoder (`varLenTypeEncoder`, RFC 9420 §2.1.2) chained its
 * elements' write functions into one closure per element, each calling the one before it: writing
 * the ratchet tree of a group of 1,000 (2,047 nodes) went 2,047 calls deep, and every element left
 * a closure behind. The patched encoder keeps the elements' offsets and write functions in two
 * arrays and writes them in one loop, in the same order and at the same offsets.
 */
export const file = 'codec/variableLength.js';
export const originalSha256 = '6b5a47505fdd0003c763d10c084931457e1ba06dbabc9fb31580a1ec0156f25e';
export const summary = 'vector encoders write their elements in a loop, not through a chain of closures';

export const edits = [
  [
    `    return (data) => {
        let totalLength = 0;
        let writeTotal = (_offset, _buffer) => { };
        for (let i = 0; i < data.length; i++) {
            const [len, write] = enc(data[i]);
            const oldFunc = writeTotal;
            const currentLen = totalLength;
            writeTotal = (offset, buffer) => {
                oldFunc(offset, buffer);
                write(offset + currentLen, buffer);
            };
            totalLength += len;
        }
        const [headerLength, writeLength] = lengthEncoder(totalLength);
        return [
            headerLength + totalLength,
            (offset, buffer) => {
                writeLength(offset, buffer);
                writeTotal(offset + headerLength, buffer);
            },
        ];
    };`,
    `    // Parley patch (scripts/ts-mls-patches/listEncoderChains.mjs): the elements written in one loop.
    return (data) => {
        const count = data.length;
        const offsets = new Array(count);
        const writes = new Array(count);
        let totalLength = 0;
        for (let i = 0; i < count; i++) {
            const [len, write] = enc(data[i]);
            offsets[i] = totalLength;
            writes[i] = write;
            totalLength += len;
        }
        const [headerLength, writeLength] = lengthEncoder(totalLength);
        return [
            headerLength + totalLength,
            (offset, buffer) => {
                writeLength(offset, buffer);
                const start = offset + headerLength;
                for (let i = 0; i < count; i++)
                    writes[i](start + offsets[i], buffer);
            },
        ];
    };`,
  ],
];
