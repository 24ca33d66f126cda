/**
 * Parley's WebSocket frames: their types and the table that lays each one out on the wire (its
 * number, who sends it, its fields with their types and limits). The table drives both the encoder
 * and the decoder (codec.ts); docs/protocol.md documents it, and a test keeps the two equal.
 */

import { MESSAGE_ID_BYTES } from '../appMessage.js';
import { BLOB_ID_BYTES } from '../attachmentBody.js';
import { MAX_KEY_PACKAGE_BYTES } from '../keyPackages.js';
import {
  bool,
  boolAtEnd,
  bytes,
  count,
  type FieldsFor,
  fixed,
  list,
  optional,
  string,
  struct,
  u32,
  u64,
  uint,
} from './fields.js';
import { GONE_FRAMES, type GoneClientFrame, type GoneServerFrame } from './goneFrames.js';
import {
  LOG_FRAMES,
  type LogClientFrame,
  type LoggedKey,
  type LogServerFrame,
  loggedKeyFields,
  treeHeadFields,
  type WireTreeHead,
} from './logFrames.js';

export const MAX_FRAME_BYTES = 1024 * 1024;
/**
 * Room every frame keeps for what surrounds one MLS message, Welcome or GroupInfo (type, request
 * id, group id, sequence number, counts, length prefix): whatever the server accepts in `send` or
 * `group_info_put` fits, with its framing, in the one frame that later answers with it.
 */
export const FRAME_OVERHEAD_BYTES = 1024;
/** The largest MLS message the server accepts (`send` payload) and delivers (`deliver`, `messages`). */
export const MAX_MESSAGE_BYTES = MAX_FRAME_BYTES - FRAME_OVERHEAD_BYTES;
/** The largest Welcome the server accepts in a `send` and hands out (`welcome`, `welcomes`). */
export const MAX_WELCOME_BYTES = MAX_FRAME_BYTES - FRAME_OVERHEAD_BYTES;
/** The largest GroupInfo the server accepts (`group_info_put`) and hands out (`group_info`). */
export const MAX_GROUP_INFO_BYTES = MAX_FRAME_BYTES - FRAME_OVERHEAD_BYTES;
/**
 * A `messages` or `welcomes` answer stops adding items past this many payload bytes; it always
 * holds at least one item, so a reader makes progress whatever sizes others sent.
 */
export const MAX_ANSWER_PAYLOAD_BYTES = 512 * 1024;
/** Groups (and joinable groups) in one `sync_state` page. */
export const MAX_SYNC_GROUPS = 256;
/** Welcomes in one `welcomes` page (fewer when they are large, see MAX_ANSWER_PAYLOAD_BYTES). */
export const MAX_WELCOMES_PAGE = 64;
export const CHALLENGE_BYTES = 32;
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100;
export const MAX_GROUP_ID_BYTES = 32;
export const MAX_FETCH = 500;
/** The most accounts one account may block (the `block_list` frame). */
export const MAX_BLOCKED_ACCOUNTS = 1000;
/** Attachments one message carries at most (`send`'s blobIds; a blob id is BLOB_ID_BYTES long). */
export const MAX_BLOBS_PER_MESSAGE = 8;
const MAX_ACCOUNT = 128;
const MAX_DEVICE = 64;
const MAX_SUITE = 64;

export interface ClaimedKeyPackage {
  deviceId: string;
  keyPackage: Uint8Array;
  lastResort: boolean;
}

export interface LoggedMessage {
  seq: number;
  payload: Uint8Array;
}

export interface GroupCursor {
  groupId: Uint8Array;
  epoch: number;
  /** Highest sequence number this device acknowledged. */
  acked: number;
  /** Highest sequence number in the group's log visible to this device. */
  head: number;
}

export interface PendingWelcome {
  groupId: Uint8Array;
  seq: number;
  welcome: Uint8Array;
}

export interface PresenceEntry {
  accountId: string;
  online: boolean;
  /** Milliseconds since the Unix epoch when the account was last connected; 0 if never. */
  lastSeen: number;
}

export type ClientFrame =
  | { type: 'auth'; requestId: number; accountId: string; deviceId: string; signature: Uint8Array }
  | { type: 'kp_upload'; requestId: number; keyPackages: Uint8Array[]; lastResort: Uint8Array | null }
  | { type: 'kp_claim'; requestId: number; accountId: string; cipherSuite: string }
  /** `cipherSuite` came later: without it, the default suite's packages are counted. */
  | { type: 'kp_count'; requestId: number; cipherSuite?: string | null }
  | {
      type: 'group_create';
      requestId: number;
      groupId: Uint8Array;
      cipherSuite: string;
      /** The creator's epoch-0 GroupInfo with its ratchet tree (the server requires it). */
      groupInfo?: Uint8Array | null;
    }
  | {
      type: 'send';
      requestId: number;
      groupId: Uint8Array;
      messageId: Uint8Array;
      payload: Uint8Array;
      welcome: Uint8Array | null;
      /** With a commit, and only then (the server requires it): the GroupInfo of the epoch it starts. */
      groupInfo?: Uint8Array | null;
      /**
       * An application message of a conversation with disappearing messages on: when (ms since the
       * epoch) the server deletes it. In the future and at most four weeks (and a day) ahead.
       */
      expiresAt?: number | null;
      /**
       * The attachments the message carries: ids (16 bytes each) of blobs this account uploaded to
       * this group and completed, not yet attached (docs/protocol.md, "Attachments"). Absent: none.
       */
      blobIds?: Uint8Array[];
    }
  | { type: 'fetch'; requestId: number; groupId: Uint8Array; afterSeq: number; limit: number }
  | { type: 'ack'; requestId: number; groupId: Uint8Array; seq: number }
  /** `after`: empty for the first page, else the `cursor` of the previous `sync_state`. */
  | { type: 'sync'; requestId: number; after: Uint8Array }
  | {
      type: 'welcome_ack';
      requestId: number;
      groupId: Uint8Array;
      /** True when this device joined the group from the Welcome (false: it could not use it and drops it). */
      accepted: boolean;
    }
  | { type: 'presence_query'; requestId: number }
  /** Read (`share` null) or set whether this account shares its presence (and sees others'). */
  | { type: 'presence_share'; requestId: number; share: boolean | null }
  | { type: 'group_info_put'; requestId: number; groupId: Uint8Array; epoch: number; groupInfo: Uint8Array }
  | { type: 'group_info_get'; requestId: number; groupId: Uint8Array }
  /** `after`: empty for the first page, else the last group id of the previous `welcomes`. */
  | { type: 'welcome_fetch'; requestId: number; after: Uint8Array }
  /** A ticket for the attachment routes (HTTP), bound to this device. */
  | { type: 'ticket_get'; requestId: number }
  /** The accounts this account blocks, the whole list (replacing the one the server had). */
  | { type: 'block_list'; requestId: number; accountIds: string[] }
  | LogClientFrame
  | GoneClientFrame;

export type ServerFrame =
  | { type: 'challenge'; requestId: 0; challenge: Uint8Array; serverTime: number }
  | { type: 'ok'; requestId: number }
  | { type: 'error'; requestId: number; code: string; message: string }
  | {
      type: 'kp_bundle';
      requestId: number;
      accountId: string;
      keyPackages: ClaimedKeyPackage[];
      /**
       * Came later (issue #21): where each device's certificate is in the key transparency log,
       * proved against a signed head. A server that predates it ends the frame before it.
       */
      transparency?: { head: WireTreeHead; keys: LoggedKey[] } | null;
    }
  /** `cipherSuite`: the suite counted, when not the default one or when the count named it. */
  | {
      type: 'kp_remaining';
      requestId: number;
      oneTime: number;
      lastResort: boolean;
      cipherSuite?: string | null;
    }
  | { type: 'deliver'; requestId: 0; groupId: Uint8Array; seq: number; payload: Uint8Array }
  | { type: 'welcome'; requestId: 0; groupId: Uint8Array; seq: number; welcome: Uint8Array }
  | { type: 'stale_epoch'; requestId: number; epoch: number }
  | { type: 'sent'; requestId: number; seq: number; epoch: number }
  | { type: 'messages'; requestId: number; groupId: Uint8Array; items: LoggedMessage[]; more: boolean }
  | {
      type: 'sync_state';
      requestId: number;
      groups: GroupCursor[];
      /** Groups another device of this account is in and this device never was: join by external commit. */
      joinable: Uint8Array[];
      /** More groups follow: ask again with `after` set to `cursor`. */
      more: boolean;
      /** The highest group id this page covers (empty when there is none). */
      cursor: Uint8Array;
    }
  | { type: 'welcomes'; requestId: number; items: PendingWelcome[]; more: boolean }
  | { type: 'presence'; requestId: number; entries: PresenceEntry[] }
  | { type: 'presence_sharing'; requestId: number; share: boolean }
  /** A bearer token for the attachment routes, standing for this device until `expiresAt`. */
  | { type: 'ticket'; requestId: number; token: string; expiresAt: number }
  | { type: 'group_info'; requestId: number; groupId: Uint8Array; epoch: number; groupInfo: Uint8Array }
  | LogServerFrame
  | GoneServerFrame;

export type Frame = ClientFrame | ServerFrame;

/** How one frame is laid out: `type u8 | requestId u32 | fields`. */
export interface FrameSpec<F extends Frame = Frame> {
  /** The frame's type number: 1 to 127 from clients, 128 and up from the server. */
  readonly type: number;
  readonly from: F extends ClientFrame ? 'client' : 'server';
  /** Sent only unasked: the decoder reports requestId 0 whatever the wire says. */
  readonly push?: true;
  readonly fields: FieldsFor<Omit<F, 'type' | 'requestId'>>;
}

const groupId = bytes(MAX_GROUP_ID_BYTES, 1);
const after = bytes(MAX_GROUP_ID_BYTES);
const blob = bytes(MAX_MESSAGE_BYTES);
const welcome = bytes(MAX_WELCOME_BYTES);
const groupInfo = bytes(MAX_GROUP_INFO_BYTES);
const keyPackage = bytes(MAX_KEY_PACKAGE_BYTES);
const account = string(MAX_ACCOUNT);

/** Every frame, by name. Field order is wire order. */
export const FRAMES: { readonly [K in Frame['type']]: FrameSpec<Extract<Frame, { type: K }>> } = {
  auth: {
    type: 1,
    from: 'client',
    fields: { accountId: account, deviceId: string(MAX_DEVICE), signature: fixed(64) },
  },
  kp_upload: {
    type: 2,
    from: 'client',
    fields: {
      count: count('u16', 'keyPackages', { max: MAX_KEY_PACKAGES_PER_UPLOAD }),
      keyPackages: list(keyPackage),
      lastResort: optional(keyPackage),
    },
  },
  kp_claim: { type: 3, from: 'client', fields: { accountId: account, cipherSuite: string(MAX_SUITE) } },
  // `cipherSuite` came later: a client that predates it ends the frame before it (the default suite).
  kp_count: {
    type: 4,
    from: 'client',
    fields: { cipherSuite: optional(string(MAX_SUITE), { atEnd: true }) },
  },
  // `groupInfo` came later: a client that predates it ends these frames before it.
  group_create: {
    type: 5,
    from: 'client',
    fields: { groupId, cipherSuite: string(MAX_SUITE), groupInfo: optional(groupInfo, { atEnd: true }) },
  },
  send: {
    type: 6,
    from: 'client',
    fields: {
      groupId,
      messageId: fixed(MESSAGE_ID_BYTES),
      payload: blob,
      welcome: optional(welcome),
      groupInfo: optional(groupInfo, { atEnd: true }),
      // `expiresAt` came later still, after `groupInfo` (written, as absent, whenever it is).
      expiresAt: optional(u64, { atEnd: true }),
      // `blobIds` came last: a client that predates it ends the frame before its count.
      blobCount: count('u16', 'blobIds', { max: MAX_BLOBS_PER_MESSAGE, optionalAtEnd: true }),
      blobIds: list(fixed(BLOB_ID_BYTES)),
    },
  },
  fetch: { type: 7, from: 'client', fields: { groupId, afterSeq: u64, limit: uint('u16', 1, MAX_FETCH) } },
  ack: { type: 8, from: 'client', fields: { groupId, seq: u64 } },
  sync: { type: 9, from: 'client', fields: { after } },
  // `accepted` came later: a client that predates it ends the frame before it, and means false.
  welcome_ack: { type: 10, from: 'client', fields: { groupId, accepted: boolAtEnd } },
  presence_query: { type: 11, from: 'client', fields: {} },
  group_info_put: { type: 12, from: 'client', fields: { groupId, epoch: u64, groupInfo } },
  group_info_get: { type: 13, from: 'client', fields: { groupId } },
  welcome_fetch: { type: 14, from: 'client', fields: { after } },
  presence_share: { type: 15, from: 'client', fields: { share: optional(bool) } },
  ticket_get: { type: 16, from: 'client', fields: {} },
  block_list: {
    type: 17,
    from: 'client',
    fields: { n: count('u16', 'accountIds', { max: MAX_BLOCKED_ACCOUNTS }), accountIds: list(account) },
  },

  challenge: {
    type: 128,
    from: 'server',
    push: true,
    fields: { challenge: fixed(CHALLENGE_BYTES), serverTime: u64 },
  },
  ok: { type: 129, from: 'server', fields: {} },
  error: { type: 130, from: 'server', fields: { code: string(64), message: string(1024) } },
  kp_bundle: {
    type: 131,
    from: 'server',
    fields: {
      accountId: account,
      count: count('u16', 'keyPackages'),
      keyPackages: list(struct({ deviceId: string(MAX_DEVICE), lastResort: bool, keyPackage })),
      transparency: optional(
        struct({
          head: treeHeadFields,
          n: count('u16', 'keys', { max: MAX_KEY_PACKAGES_PER_UPLOAD }),
          keys: list(loggedKeyFields),
        }),
        { atEnd: true },
      ),
    },
  },
  kp_remaining: {
    type: 132,
    from: 'server',
    fields: { oneTime: u32, lastResort: bool, cipherSuite: optional(string(MAX_SUITE), { atEnd: true }) },
  },
  deliver: { type: 133, from: 'server', push: true, fields: { groupId, seq: u64, payload: blob } },
  welcome: { type: 134, from: 'server', push: true, fields: { groupId, seq: u64, welcome } },
  stale_epoch: { type: 135, from: 'server', fields: { epoch: u64 } },
  sent: { type: 136, from: 'server', fields: { seq: u64, epoch: u64 } },
  messages: {
    type: 137,
    from: 'server',
    fields: {
      groupId,
      count: count('u16', 'items', { max: MAX_FETCH }),
      more: bool,
      items: list(struct({ seq: u64, payload: blob })),
    },
  },
  sync_state: {
    type: 138,
    from: 'server',
    fields: {
      n: count('u16', 'groups', { max: MAX_SYNC_GROUPS }),
      groups: list(struct({ groupId, epoch: u64, acked: u64, head: u64 })),
      k: count('u16', 'joinable', { max: MAX_SYNC_GROUPS }),
      joinable: list(groupId),
      more: bool,
      cursor: after,
    },
  },
  presence: {
    type: 139,
    from: 'server',
    fields: {
      n: count('u32', 'entries'),
      entries: list(struct({ accountId: account, online: bool, lastSeen: u64 })),
    },
  },
  group_info: { type: 140, from: 'server', fields: { groupId, epoch: u64, groupInfo } },
  welcomes: {
    type: 141,
    from: 'server',
    fields: {
      count: count('u16', 'items', { max: MAX_WELCOMES_PAGE }),
      more: bool,
      items: list(struct({ groupId, seq: u64, welcome })),
    },
  },
  presence_sharing: { type: 142, from: 'server', fields: { share: bool } },
  ticket: { type: 143, from: 'server', fields: { token: string(64), expiresAt: u64 } },
  ...LOG_FRAMES,
  ...GONE_FRAMES,
};
