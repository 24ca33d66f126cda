/**
 * Files in conversations (`ParleyClient.files`): send one (sealed here with a fresh key, uploaded
 * with tus, then announced in an encrypted message that carries its key, digest, name and type),
 * fetch and decrypt one a message carries, and the account's usage. The server holds only the
 * sealed blob, readable by the devices in the conversation when its message was sent, and deletes
 * it with the message (retention, disappearing timer, or a delete for everyone by its author).
 */
import { type AttachmentPrimitives, MAX_THUMBNAIL_BYTES, newAttachmentKey, ParleyError } from '@parley/core';
import type { Chat } from '../chat/context.js';
import { enqueue, ownText } from '../chat/outbox.js';
import { findMessage } from '../chat/quotes.js';
import type { AttachmentInfo, ChatMessage } from '../chat/types.js';
import type { DeviceHttp } from '../deviceHttp.js';
import { downloadBlob } from './download.js';
import { EncryptedFile } from './encryptedFile.js';
import type {
  AttachmentSink,
  AttachmentSource,
  BlobUsage,
  FileDescription,
  TransferOptions,
} from './types.js';
import { cancelledError, transferError, uploadBlob } from './upload.js';

export class Files {
  constructor(
    private readonly chat: Chat,
    private readonly server: DeviceHttp,
    private readonly primitives: AttachmentPrimitives | undefined,
    /** Queue work in the client's serial section and send the outbox if online. */
    private readonly queue: { serial<T>(work: () => Promise<T>): Promise<T>; flushSoon(): Promise<void> },
  ) {}

  /** The account's stored attachments and the server's limits. */
  async usage(): Promise<BlobUsage> {
    // A request that never got an answer (no connection, an untrusted certificate) is a failed
    // transfer too, not the platform's bare "fetch failed".
    const answer = await this.server.request('GET', '/v1/blobs/usage').catch((e: unknown) => {
      throw transferError(e);
    });
    if (answer.status !== 200)
      throw new ParleyError('transfer_failed', `the server did not tell its limits (HTTP ${answer.status})`);
    return JSON.parse(await answer.text()) as BlobUsage;
  }

  /**
   * Send a file into a conversation: refused before any byte moves when the server's limit or the
   * account's quota would be exceeded; resolves with the message as the history shows it.
   */
  async send(
    groupIdHex: string,
    source: AttachmentSource,
    about: FileDescription,
    options: TransferOptions = {},
  ): Promise<ChatMessage> {
    if (!this.chat.conversations.active(groupIdHex))
      throw new ParleyError('not_a_member', 'you are no longer in this conversation');
    if (about.image !== undefined && about.image.thumbnail.length > MAX_THUMBNAIL_BYTES)
      throw new ParleyError('too_large', `a preview is at most ${MAX_THUMBNAIL_BYTES} bytes`);
    // Read afresh at each step (a cancel can come during any await).
    const cancelled = () => options.signal?.aborted === true;
    await this.checkRoom(source.size);
    if (cancelled()) throw cancelledError();
    const key = newAttachmentKey();
    const file = new EncryptedFile(source, key, this.primitives);
    const blobId = await uploadBlob(this.uploadTarget(), groupIdHex, file, options).catch((e: unknown) => {
      throw transferError(e);
    });
    const sha256 = await file.digest();
    if (cancelled()) {
      // Cancelled after the last byte but before its message: the uploaded blob goes too.
      await this.forget({ blobId });
      throw cancelledError();
    }
    const app = await this.queue.serial(() =>
      enqueue(this.chat, this.chat.store, groupIdHex, {
        type: 'attachment',
        blobId,
        key,
        sha256,
        size: source.size,
        mimeType: about.mimeType,
        name: about.name,
        ...(about.image !== undefined ? { image: about.image } : {}),
        ...(about.replyTo !== undefined ? { replyTo: about.replyTo } : {}),
      }),
    );
    await this.queue.flushSoon();
    return ownText(this.chat, groupIdHex, app, 0, 'sending');
  }

  /** Fetch, check and decrypt the file a message carries into `sink` (see download.ts). */
  async download(file: AttachmentInfo, sink: AttachmentSink, options: TransferOptions = {}): Promise<void> {
    await downloadBlob(
      {
        url: `${this.server.base}/v1/blobs/${file.blobId}`,
        authorization: () => this.server.authorization(),
        refused: () => this.server.refused(),
        http: this.server.http,
        ...(this.primitives !== undefined ? { primitives: this.primitives } : {}),
      },
      file,
      sink,
      options,
    );
  }

  /** The file a stored message of this account carries, if any. */
  async attachmentOf(groupIdHex: string, messageId: string): Promise<AttachmentInfo | undefined> {
    const m = await findMessage(this.chat, this.chat.store, groupIdHex, messageId);
    return m?.from.accountId === this.chat.identity.accountId ? m.attachment : undefined;
  }

  /**
   * The server's copy of a file this account sent goes (after a delete for everyone): best effort,
   * since the server also deletes it with its message.
   */
  async forget(info: Pick<AttachmentInfo, 'blobId'>): Promise<void> {
    // tus termination (the uploader's account only).
    await this.server
      .request('DELETE', `/v1/uploads/${info.blobId}`, { headers: { 'tus-resumable': '1.0.0' } })
      .catch(() => {});
  }

  private async checkRoom(size: number): Promise<void> {
    const usage = await this.usage();
    const mb = (n: number) => `${Math.round(n / 1e5) / 10} MB`;
    if (size > usage.maxAttachmentBytes)
      throw new ParleyError(
        'attachment_too_large',
        `the file is ${mb(size)}; this server takes files up to ${mb(usage.maxAttachmentBytes)}`,
      );
    if (usage.usedBytes + size > usage.quotaBytes)
      throw new ParleyError(
        'attachment_quota_exceeded',
        `the file is ${mb(size)}, and your files on this server already take ${mb(usage.usedBytes)} of ${mb(usage.quotaBytes)}`,
      );
  }

  private uploadTarget() {
    return {
      endpoint: `${this.server.base}/v1/uploads`,
      authorization: () => this.server.authorization(),
      refused: () => this.server.refused(),
      http: this.server.http,
    };
  }
}
