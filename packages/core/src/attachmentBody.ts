/**
 * The body of an `attachment` application message: what a member needs to fetch, check and decrypt
 * a file the server holds only as an opaque blob (see attachmentCipher.ts), plus what an app shows
 * before downloading it.
 *
 *   blobId(16) | key(32) | sha256(32) | size(u64) | mimeType | name | flags(u8)
 *     [flags & IMAGE:   width(u32) | height(u32) | thumbnail(bytes ≤ 16 KiB, JPEG or PNG, may be empty)]
 *     [flags & REPLY:   replyTo(16)]
 *     [flags & EXPIRES: expiresAt(u64)]
 *
 * `blobId` is the server's id of the uploaded ciphertext (32 hex characters); `key` the file key,
 * fresh for each file; `sha256` the digest of the whole ciphertext as stored; `size` the plaintext
 * length. Name and type are the sender's claims: an app sanitises the name before writing a file
 * and never trusts the type to run anything.
 */
import { fromHex, type Reader, toHex, type Writer } from './encoding.js';
import { DecodeError } from './errors.js';

/** A blob id: 128 random bits (the server's, as `send`'s blobIds carry it). */
export const BLOB_ID_BYTES = 16;
export const ATTACHMENT_KEY_BYTES = 32;
export const MAX_ATTACHMENT_NAME_BYTES = 255;
export const MAX_MIME_TYPE_BYTES = 127;
export const MAX_THUMBNAIL_BYTES = 16 * 1024;
/** Larger sides than this are not an image any app here draws. */
const MAX_IMAGE_SIDE = 65_535;

const IMAGE = 1;
const REPLY = 2;
const EXPIRES = 4;

export interface AttachmentImage {
  width: number;
  height: number;
  /** A small preview (JPEG or PNG), empty when the sender made none. */
  thumbnail: Uint8Array;
}

export interface AttachmentBody {
  type: 'attachment';
  /** Where the encrypted blob is stored (server-assigned id, 32 hex characters). */
  blobId: string;
  /** The file key and the digest of the encrypted blob: the server never has them. */
  key: Uint8Array;
  sha256: Uint8Array;
  /** The file's length in bytes (before encryption). */
  size: number;
  mimeType: string;
  name: string;
  image?: AttachmentImage;
  replyTo?: string;
  expiresAt?: number;
}

function checkImage(image: AttachmentImage): void {
  const side = (n: number) => Number.isInteger(n) && n > 0 && n <= MAX_IMAGE_SIDE;
  if (!side(image.width) || !side(image.height)) throw new RangeError('image sides must be 1 to 65535');
}

/** Write the body after its kind byte. `writeId` writes a 16-byte message id. */
export function writeAttachment(
  w: Writer,
  b: AttachmentBody,
  writeId: (w: Writer, id: string) => void,
): void {
  if (!/^[0-9a-f]{32}$/.test(b.blobId)) throw new RangeError('blob id must be 32 lowercase hex characters');
  if (!Number.isSafeInteger(b.size) || b.size < 0)
    throw new RangeError('size must be a whole number of bytes');
  if (b.image !== undefined) checkImage(b.image);
  w.fixed(fromHex(b.blobId), BLOB_ID_BYTES)
    .fixed(b.key, ATTACHMENT_KEY_BYTES)
    .fixed(b.sha256, 32)
    .u64(b.size)
    .string(b.mimeType, MAX_MIME_TYPE_BYTES)
    .string(b.name, MAX_ATTACHMENT_NAME_BYTES)
    .u8(
      (b.image === undefined ? 0 : IMAGE) |
        (b.replyTo === undefined ? 0 : REPLY) |
        (b.expiresAt === undefined ? 0 : EXPIRES),
    );
  if (b.image !== undefined)
    w.u32(b.image.width).u32(b.image.height).bytes(b.image.thumbnail, MAX_THUMBNAIL_BYTES);
  if (b.replyTo !== undefined) writeId(w, b.replyTo);
  if (b.expiresAt !== undefined) w.u64(b.expiresAt);
}

/** Read the body after its kind byte. */
export function readAttachment(r: Reader, readId: (r: Reader) => string): AttachmentBody {
  const body: AttachmentBody = {
    type: 'attachment',
    blobId: toHex(r.fixed(BLOB_ID_BYTES)),
    key: r.fixed(ATTACHMENT_KEY_BYTES),
    sha256: r.fixed(32),
    size: r.u64(),
    mimeType: r.string(MAX_MIME_TYPE_BYTES),
    name: r.string(MAX_ATTACHMENT_NAME_BYTES),
  };
  const flags = r.u8();
  if (flags > (IMAGE | REPLY | EXPIRES)) throw new DecodeError('attachment flags out of range');
  if (flags & IMAGE) {
    const image = { width: r.u32(), height: r.u32(), thumbnail: r.bytes(MAX_THUMBNAIL_BYTES) };
    try {
      checkImage(image);
    } catch {
      throw new DecodeError('attachment: image size out of range');
    }
    body.image = image;
  }
  if (flags & REPLY) body.replyTo = readId(r);
  if (flags & EXPIRES) body.expiresAt = r.u64();
  return body;
}
