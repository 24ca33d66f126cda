/** deserialization.json: QUIC-style variable-length vector headers (no cryptography). */
import { determineLength } from 'ts-mls/codec/variableLength.js';
import { checkEqual, describePlainVectors, hex } from './vectors.js';

interface DeserializationCase {
  vlbytes_header: string;
  length: number;
}

describePlainVectors<DeserializationCase>('deserialization', (v) => {
  checkEqual(`length of header ${v.vlbytes_header}`, determineLength(hex(v.vlbytes_header)).length, v.length);
});
