import { describe, expect, test } from 'vitest';
import {
  type AppMessage,
  decodeAppMessage,
  encodeAppMessage,
  newMessageId,
  paddedLength,
  textMessage,
} from '../src/index.js';
import { codeOf } from './errors.js';

const id = () => newMessageId();

describe('application message codec', () => {
  const samples: AppMessage[] = [
    textMessage('hello 👋'),
    { id: id(), sentAt: 1, body: { type: 'text', text: 'a reply', replyTo: id() } },
    { id: id(), sentAt: 1, body: { type: 'text', text: 'going soon', expiresAt: 2 ** 41 } },
    { id: id(), sentAt: 1, body: { type: 'text', text: 'a reply going soon', replyTo: id(), expiresAt: 9 } },
    { id: id(), sentAt: 12, body: { type: 'timer', seconds: 3600 } },
    { id: id(), sentAt: 13, body: { type: 'timer', seconds: 0 } },
    { id: id(), sentAt: 2, body: { type: 'receipt', receipt: 'read', ids: [id(), id()] } },
    { id: id(), sentAt: 3, body: { type: 'receipt', receipt: 'delivered', ids: [id()] } },
    { id: id(), sentAt: 4, body: { type: 'typing', active: true } },
    { id: id(), sentAt: 5, body: { type: 'reaction', target: id(), emoji: '🎉', remove: false } },
    { id: id(), sentAt: 6, body: { type: 'edit', target: id(), text: 'fixed typo' } },
    { id: id(), sentAt: 7, body: { type: 'delete', target: id() } },
    {
      id: id(),
      sentAt: 8,
      body: {
        type: 'attachment',
        blobId: 'b1'.repeat(16),
        key: new Uint8Array(32).fill(7),
        sha256: new Uint8Array(32).fill(9),
        size: 12345,
        mimeType: 'image/png',
        name: 'cat.png',
        image: { width: 640, height: 480, thumbnail: new Uint8Array(300).fill(3) },
        replyTo: id(),
        expiresAt: 1_900_000_000_000,
      },
    },
    {
      id: id(),
      sentAt: 14,
      body: {
        type: 'attachment',
        blobId: '0f'.repeat(16),
        key: new Uint8Array(32).fill(1),
        sha256: new Uint8Array(32).fill(2),
        size: 0,
        mimeType: 'application/octet-stream',
        name: 'empty',
      },
    },
    { id: id(), sentAt: 9, body: { type: 'conversation', name: 'Book club 📚' } },
    {
      id: id(),
      sentAt: 10,
      body: {
        type: 'continuation',
        previousGroupId: '00ff'.repeat(8),
        brokenAtSeq: 42,
        offender: { accountId: 'carol', deviceId: 'ab'.repeat(16) },
      },
    },
    {
      id: id(),
      sentAt: 11,
      body: { type: 'continuation', previousGroupId: '01'.repeat(16), brokenAtSeq: 7, offender: null },
    },
  ];

  test.each(samples.map((m) => [m.body.type, m] as const))('%s round-trips', (_kind, message) => {
    expect(decodeAppMessage(encodeAppMessage(message))).toEqual(message);
  });

  test('a timer beyond four weeks neither encodes nor decodes; a text without expiry encodes as before', () => {
    expect(() =>
      encodeAppMessage({ id: id(), sentAt: 1, body: { type: 'timer', seconds: 29 * 86400 } }),
    ).toThrow(RangeError);
    const ok = encodeAppMessage({ id: id(), sentAt: 1, body: { type: 'timer', seconds: 28 * 86400 } });
    const kindAt = 1 + 16 + 8;
    expect(ok[kindAt]).toBe(10);
    ok.set([0, 0x24, 0xea, 0x01], kindAt + 1); // 28 days + 1 second
    expect(codeOf(() => decodeAppMessage(ok))).toBe('decode_error');
    const plain = encodeAppMessage({ id: id(), sentAt: 1, body: { type: 'text', text: 'hi' } });
    expect(plain[kindAt + 1 + 2 + 2]).toBe(0); // the flags byte after the text: nothing follows
  });

  test('every message has a unique id and a sender timestamp', () => {
    const a = textMessage('x', 1000);
    const b = textMessage('x', 1000);
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(decodeAppMessage(encodeAppMessage(a)).sentAt).toBe(1000);
  });

  test('plaintext is padded to size buckets, hiding exact lengths', () => {
    const sizes = new Set<number>();
    // 29 bytes of header and the padding marker leave room for 34 bytes of text in the first bucket.
    for (let n = 0; n <= 34; n++) sizes.add(encodeAppMessage(textMessage('a'.repeat(n))).length);
    expect([...sizes]).toEqual([64]);
    expect(encodeAppMessage(textMessage('a'.repeat(35))).length).toBe(128);
    expect(encodeAppMessage(textMessage('a'.repeat(100))).length).toBe(256);
    expect(encodeAppMessage(textMessage('a'.repeat(900))).length).toBe(1024);
    expect(paddedLength(20_000)).toBe(32 * 1024);
  });

  test('a continuation is bounded: a group id longer than the protocol allows, or half an offender, is refused', () => {
    const body = { type: 'continuation', brokenAtSeq: 1, offender: null } as const;
    expect(() =>
      encodeAppMessage({ id: id(), sentAt: 1, body: { ...body, previousGroupId: 'aa'.repeat(33) } }),
    ).toThrow(RangeError);
    const half = encodeAppMessage({
      id: id(),
      sentAt: 1,
      body: { ...body, previousGroupId: 'aa', offender: { accountId: 'carol', deviceId: 'd' } },
    });
    // Blank the device id's length and its byte (after version, id, sentAt, kind, group id, seq, account).
    const at = 1 + 16 + 8 + 1 + 2 + 8 + 6;
    expect(half[at]).toBe(1);
    half.set([0, 0x80, 0], at);
    expect(() => decodeAppMessage(half)).toThrow(/half an offender/);
  });

  test('an unknown kind from a newer client decodes as unknown instead of failing', () => {
    const bytes = encodeAppMessage({ id: id(), sentAt: 9, body: { type: 'typing', active: false } });
    bytes[1 + 16 + 8] = 200; // kind byte
    expect(decodeAppMessage(bytes).body).toEqual({ type: 'unknown', kind: 200 });
  });

  test('malformed input gets typed errors', () => {
    const good = encodeAppMessage(textMessage('hello'));
    expect(codeOf(() => decodeAppMessage(new Uint8Array(64)))).toBe('decode_error'); // no padding marker
    expect(codeOf(() => decodeAppMessage(good.subarray(0, 20)))).toBe('decode_error');
    const badVersion = good.slice();
    badVersion[0] = 9;
    expect(codeOf(() => decodeAppMessage(badVersion))).toBe('decode_error');
    expect(codeOf(() => decodeAppMessage(new Uint8Array(300 * 1024)))).toBe('too_large');
    expect(codeOf(() => encodeAppMessage(textMessage('x'.repeat(17 * 1024))))).not.toBe('no error');
  });
});
