/**
 * A file as the server stores it: the sealed blob (core attachmentCipher.ts), produced on demand
 * for any byte range, so that an upload reads it piece by piece and a resumed upload re-reads the
 * range the server did not keep. The SHA-256 of the whole blob is taken once, in order, as the
 * ranges are produced (a range the upload skipped is produced for the digest alone).
 */
import { type AttachmentPrimitives, AttachmentSealer, nobleAttachmentPrimitives } from '@parley/core';
import type { AttachmentSource } from './types.js';

export class EncryptedFile {
  readonly sealer: AttachmentSealer;
  private readonly hash: ReturnType<AttachmentPrimitives['sha256']>;
  private hashedTo = 0;

  constructor(
    private readonly source: AttachmentSource,
    fileKey: Uint8Array,
    primitives: AttachmentPrimitives = nobleAttachmentPrimitives,
  ) {
    this.sealer = new AttachmentSealer(fileKey, source.size, undefined, primitives);
    this.hash = primitives.sha256();
  }

  get size(): number {
    return this.sealer.size;
  }

  /** Blob bytes [start, end). */
  async range(start: number, end: number): Promise<Uint8Array> {
    end = Math.min(end, this.size);
    if (start > this.hashedTo) await this.range(this.hashedTo, start);
    const out = new Uint8Array(Math.max(end - start, 0));
    let at = start;
    while (at < end) {
      const piece = await this.piece(at);
      const take = piece.bytes.subarray(at - piece.offset, Math.min(piece.bytes.length, end - piece.offset));
      out.set(take, at - start);
      at += take.length;
    }
    if (start <= this.hashedTo && end > this.hashedTo) {
      this.hash.update(out.subarray(this.hashedTo - start));
      this.hashedTo = end;
    }
    return out;
  }

  /** The SHA-256 of the whole blob (producing what no range asked for yet). */
  async digest(): Promise<Uint8Array> {
    if (this.hashedTo < this.size) await this.range(this.hashedTo, this.size);
    return this.hash.digest();
  }

  /** The header or sealed chunk that holds blob byte `at`, with where it starts. */
  private async piece(at: number): Promise<{ offset: number; bytes: Uint8Array }> {
    if (at < this.sealer.header.length) return { offset: 0, bytes: this.sealer.header };
    const index = this.sealer.chunkAt(at);
    const [start, end] = this.sealer.plainRange(index);
    const plain = await this.source.read(start, end - start);
    return { offset: this.sealer.blobOffset(index), bytes: this.sealer.seal(index, plain) };
  }
}
