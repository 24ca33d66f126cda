/** The client's public value types (messages, conversations, events, options) and its stored records. */
import type {
  AppBody,
  AttachmentPrimitives,
  DeviceIdentity,
  MlsDeviceOptions,
  StorageKey,
} from '@parley/core';
import type { BlobHttp } from '../attachments/types.js';
import type { RecordStore } from '../store.js';
import type { KeyAlert } from '../transparency/monitor.js';
import type { SplitView } from '../transparency/view.js';
import type { SocketFactory } from '../transport.js';
import type { SuiteInfo } from './suites.js';

/**
 * An own message goes sending → sent → delivered → read, or ends as `failed` when it could never
 * leave (this device was removed from, or left, the conversation while it waited in the outbox, or
 * the server refused it for good).
 */
export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'received';

export interface ChatMessage {
  groupId: string;
  /** The message's log position (0 while only in the outbox). */
  seq: number;
  id: string;
  from: { accountId: string; deviceId: string };
  sentAt: number;
  text: string;
  status: MessageStatus;
  /** Own messages: the other people in the conversation when it was sent, and who got / read it. */
  recipients?: string[];
  deliveredTo?: string[];
  readBy?: string[];
  /** The message this one replies to, with a short quote of it when this device has it. */
  replyTo?: ReplyQuote;
  /** Emoji reactions: each emoji with the accounts that reacted with it (sorted). */
  reactions?: Record<string, string[]>;
  /** Edited by its author: when (the sender's clock) the text shown was set. */
  edited?: number;
  /** Deleted by its author: the text is gone (empty) from every device's store. */
  deleted?: boolean;
  /** Disappearing messages: when (the sender's clock) it leaves every store and the server. */
  expiresAt?: number;
  /** A file or image (then `text` is empty): fetched and decrypted with `ParleyClient.files`. */
  attachment?: AttachmentInfo;
  /**
   * A system line, not a message anyone wrote (its `text` is empty; show `systemText(m, me)`):
   * what happened, typed. Kept in the history in log order; `from` is who caused it, if anyone.
   */
  system?: SystemEvent;
}

/**
 * A file a message carries. Name and type are the sender's claims: sanitise the name before
 * writing a file, never run or render it by its type alone. Key and digest stay in this device's
 * sealed store; the server has only the encrypted blob.
 */
export interface AttachmentInfo {
  blobId: string;
  name: string;
  mimeType: string;
  /** Bytes, before encryption. */
  size: number;
  /** The file key and the SHA-256 of the encrypted blob, hex. */
  key: string;
  sha256: string;
  /** Images: their size and a small preview (base64 of a JPEG or PNG; absent when none came). */
  width?: number;
  height?: number;
  thumbnail?: string;
}

/** What a system line in a conversation's history says happened (ChatMessage.system). */
export type SystemEvent =
  /** Someone set the disappearing-messages timer (seconds; 0: off). */
  | { event: 'timer'; seconds: number; by: string }
  /** A commit could not be applied and this device rejoined (see the `group_repaired` event). */
  | { event: 'repaired'; by: { accountId: string; deviceId: string } | null; reason: string; missed: number }
  /** A commit could not be applied and no rejoin was possible (see the `group_broken` event). */
  | { event: 'broken'; by: { accountId: string; deviceId: string } | null; reason: string }
  /**
   * The conversation moved on from group `from` (which broke) to this one, without the account of
   * `by` (see the `conversation_reset` event); it stands first in this group's history.
   */
  | { event: 'reset'; from: string; by: { accountId: string; deviceId: string } | null }
  /** Someone gave the group a new name (not its first one). */
  | { event: 'renamed'; name: string; by: string }
  /** The server deleted this account, as its key log proves; its devices are removed (chat/goneMembers.ts). */
  | { event: 'account_deleted'; accountId: string }
  /** A commit brought people in or took them out (accounts; `by`: who committed it, if known). */
  | { event: 'members'; joined: string[]; left: string[]; by: string | null };

/** A message `ParleyClient.search` found. */
export interface SearchResult {
  /** The conversation to open (its current id, also for a message of a group it continued). */
  conversation: string;
  /** The group the message was sent in, and its id there. */
  groupId: string;
  id: string;
  from: string;
  sentAt: number;
  /** Part of its text around the first word found. */
  snippet: string;
}

/** How to start a conversation (ParleyClient.createConversation, createGroup, directConversation). */
export interface NewConversation {
  /** Use the hybrid post-quantum suite (X-Wing with X25519, AES-256-GCM) instead of the default one. */
  postQuantum?: boolean;
}

/** See the `timer` event. */
export interface TimerChange {
  groupId: string;
  /** Disappearing messages after this many seconds; 0: off. */
  seconds: number;
  /** The account that set it. */
  by: string;
}

/** What a reply shows of the message it quotes (only `id` when this device does not have it). */
export interface ReplyQuote {
  id: string;
  /** The quoted message's author. */
  from?: string;
  /** The start of its (latest) text; empty when it was deleted. */
  text?: string;
  deleted?: boolean;
}

/** See the `forged_annotation` event. */
export interface ForgedAnnotation {
  groupId: string;
  /** The message it named. */
  target: string;
  kind: 'edit' | 'delete';
  /** The member who sent it (not the message's author). */
  by: { accountId: string; deviceId: string };
}

/** Which page of a conversation's history to read (see ParleyClient.history). */
export interface HistoryPageOptions {
  /** The `earlier` cursor of the page read before (newer than the one wanted); none: the latest page. */
  before?: string;
  /** At most this many stored messages (default HISTORY_PAGE_SIZE). */
  limit?: number;
}

/** One page of a conversation's history. */
export interface HistoryPage {
  /** Oldest first; the latest page ends with the own messages still sending and those that failed. */
  messages: ChatMessage[];
  /** Pass as `before` to read the page before this one; undefined when there are no earlier messages. */
  earlier: string | undefined;
}

export interface ConversationSummary {
  id: string;
  /** A group's name; null for a one-to-one conversation (or a group nobody named yet). */
  name: string | null;
  members: string[];
  /** One-to-one: no name and exactly two people. */
  direct: boolean;
  unread: number;
  last: ChatMessage | undefined;
  /** The MLS epoch of this device's group state. */
  epoch: bigint;
  /** This device asked to leave and waits for a member to commit it. */
  leaving: boolean;
  /** This device is no longer a member (removed, or left). History stays readable. */
  ended: boolean;
  /** Who removed this device, when it was removed rather than left. */
  removedBy: string | undefined;
  /** Edits and deletes received from someone else than the message's author (ignored). */
  forged: number;
  /**
   * The earlier groups of this conversation, newest first (a conversation reset moved it on, see
   * `conversation_reset`): their history is part of this one.
   */
  continues: string[];
  /** Disappearing messages: new messages go this many seconds after they were sent; 0: off. */
  timer: number;
  /** The MLS ciphersuite the conversation's group uses (absent once this device holds no state). */
  suite?: SuiteInfo | undefined;
}

/** See the `group_broken` event. */
export interface GroupBroken {
  groupId: string;
  /** The log position of the commit that could not be applied. */
  seq: number;
  /**
   * The device that signed it; null when the signature does not verify or its credential cannot
   * be read. Its tags are outside the signature (anyone relaying it can spoil them), so this names
   * a suspect, not a proven culprit.
   */
  by: { accountId: string; deviceId: string } | null;
  /** Why it could not be applied (an error code: `bad_signature`, `decrypt_failed`, …). */
  reason: string;
}

/** See the `conversation_reset` event. */
export interface ConversationReset {
  /** The group the conversation was in (the id the apps showed it under). */
  from: string;
  /** The new group that continues it: the conversation's id from now on. */
  to: string;
  /** The device whose commit broke the group (its whole account was left out); null: unknown. */
  by: { accountId: string; deviceId: string } | null;
}

/** See the `group_repaired` event. */
export interface GroupRepaired extends GroupBroken {
  /** Log entries (messages or changes) between it and our rejoin, which this device cannot read. */
  missed: number;
}

export interface ClientEvents {
  message: (m: ChatMessage) => void;
  /** An own message moved on: sent (accepted by the server), delivered, read. */
  /** A stored message changed: a reaction, an edit or a delete (replace it by its id). */
  message_updated: (m: ChatMessage) => void;
  /** A member tried to edit or delete someone else's message: ignored, and counted (`forged`). */
  forged_annotation: (info: ForgedAnnotation) => void;
  /** Someone (`by`, maybe this person on this device) set the conversation's disappearing-messages timer. */
  timer: (info: TimerChange) => void;
  /**
   * A system line entered a conversation's history (a timer change, a repair …; see
   * ChatMessage.system): add it by log position. An own timer change comes first with `seq` 0
   * (waiting to be sent), then again once stored in the log.
   */
  system: (entry: ChatMessage) => void;
  /** A disappearing message's time was up: it left this device's store (drop it from views by id). */
  message_expired: (info: { groupId: string; id: string }) => void;
  message_status: (info: { groupId: string; id: string; status: MessageStatus; seq: number }) => void;
  typing: (info: { groupId: string; accountId: string; typing: boolean }) => void;
  presence: (info: { accountId: string; online: boolean; lastSeen: number }) => void;
  /** A conversation appeared or changed: members, name, unread count, leaving. */
  conversation: (groupId: string) => void;
  joined: (groupId: string) => void;
  /** This device was removed from a conversation (or its leave was committed). */
  removed: (groupId: string) => void;
  /** The group state was lost or behind and this device rejoined; `missed` messages can't be read. */
  rejoined: (info: { groupId: string; missed: number }) => void;
  /**
   * A member's commit (at log position `seq`) could not be applied here (`reason`: why), so this
   * device rejoined the conversation from the latest GroupInfo; `by` is the device that sent it
   * (null when its credential could not be read), `missed` the log entries skipped by the rejoin.
   * Show who broke the group: the people may want to remove that device.
   */
  group_repaired: (info: GroupRepaired) => void;
  /**
   * As `group_repaired`, but no rejoin was possible (no GroupInfo of the current epoch, or none
   * this device can join from): the commit is skipped, the members still exchange messages in the
   * epoch they share, but nobody can commit. Tried again at the next sync.
   */
  group_broken: (info: GroupBroken) => void;
  /**
   * A conversation that could not be repaired moved to a new MLS group without the account that
   * broke it (docs/recovery.md): same name and history, new id `to`. Show the conversation under
   * `to` from now on; `from` is no longer listed.
   */
  conversation_reset: (info: ConversationReset) => void;
  undecryptable: (info: { groupId: string; seq: number; code: string }) => void;
  /**
   * Catching up failed (an answer refused or unreadable): with the group concerned, or null for the
   * sync as a whole. It is tried again with backoff; `synced` follows once it went through.
   */
  sync_error: (info: { code: string; groupId: string | null }) => void;
  /** A sync went through after a `sync_error`: nothing is left to try again. */
  synced: () => void;
  /**
   * A contact's identity key differs from the pinned one. Messages from and to conversations with
   * them are held until acknowledgeIdentityChange() (after the person decided to trust the new key,
   * ideally by comparing safety numbers again).
   */
  identity_changed: (info: { accountId: string; presentedKey: Uint8Array }) => void;
  /**
   * The server showed two histories of its key transparency log (issue #21): two heads it signed
   * that no append-only log can both have, one from the server and one from the server or a
   * conversation member (`source`). It may be showing different keys to different people: warn
   * loudly and suggest comparing safety numbers in person. The heads prove it to anyone.
   */
  log_split_view: (info: SplitView) => void;
  /**
   * The key log holds an entry for this account that none of its devices made (a device or an
   * identity key the server added): tell the person at once (transparency/monitor.ts).
   */
  key_alert: (info: KeyAlert) => void;
}

export interface ParleyClientOptions {
  serverUrl: string;
  identity: DeviceIdentity;
  records: RecordStore;
  storageKey: StorageKey;
  mls?: Omit<MlsDeviceOptions, 'identities'>;
  socketFactory?: SocketFactory;
  backoff?: { initialMs: number; maxMs: number };
  /** How long a request waits for its answer before it fails with a `timeout` (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * How long a member waits, at random within this range, after a conversation could not be
   * repaired before it resets it itself (default 5–30 s; see docs/recovery.md).
   */
  resetDelayMs?: { min: number; max: number };
  /** How attachment bytes travel (default: the platform's fetch; see BlobHttp). */
  blobHttp?: BlobHttp;
  /** Faster sealing for files on this platform (Node: nodeAttachmentPrimitives from @parley/core/node). */
  attachmentPrimitives?: AttachmentPrimitives;
  /**
   * Tests only: allow disappearing-messages timers of any number of seconds (people choose from
   * 5 minutes to 4 weeks).
   */
  shortTimersForTests?: boolean;
  /**
   * Key transparency (issue #21): how often this device checks the key log for its own account
   * (default 10 minutes; 0: never), and the least time between two heads it gossips to one
   * conversation (default an hour).
   */
  keyLog?: { monitorMs?: number; gossipMs?: number };
}

/** What this device knows about a conversation beyond its MLS state. */
export interface ConversationMeta {
  name: string | null;
  /** Ids of received messages the person has not seen yet. */
  unread: string[];
  last: ChatMessage | undefined;
  leaving: boolean;
  ended: boolean;
  /** The account whose commit removed this device (absent if it left, or in older records). */
  removedBy?: string | undefined;
  /** Forged edits and deletes received (see the `forged_annotation` event). */
  forged?: number;
  /** The disappearing-messages timer (the last set, in log order) and who set it. */
  timer?: { seconds: number; by: string } | undefined;
  /**
   * The group could not be repaired (`group_broken`): the broken commit, who signed it, and the
   * devices of the group then (its state is dropped once a reset moved the conversation on).
   */
  broken?: BrokenMark | undefined;
  /** The group that continues this one (a conversation reset): this one is ended. */
  continuedBy?: string | undefined;
  /** The group this one continues (a conversation reset). */
  continues?: string | undefined;
  /**
   * The accounts a reset this device started still has to add; the group's queued messages (the
   * continuation first) wait until they are in.
   */
  adding?: string[] | undefined;
  /**
   * A continuation this group started with that was not accepted (yet): kept so that it is
   * attached if this device sees the group it names break later.
   */
  offered?: { sender: { accountId: string; deviceId: string }; body: ContinuationBody } | undefined;
}

type ContinuationBody = Extract<AppBody, { type: 'continuation' }>;

/** What a device keeps of a group it could not repair (see ConversationMeta.broken). */
export interface BrokenMark {
  seq: number;
  by: { accountId: string; deviceId: string } | null;
  devices: Array<{ accountId: string; deviceId: string }>;
}

export const NEW_META: ConversationMeta = {
  name: null,
  unread: [],
  last: undefined,
  leaving: false,
  ended: false,
};
