/**
 * @parley/client — the SDK the terminal client and the web app share. Isomorphic: the Node-only
 * pieces (better-sqlite3, ws: optional peer dependencies) are in @parley/client/node.
 */
export * from './api.js';
export type { Files } from './attachments/files.js';
export type {
  AttachmentSink,
  AttachmentSource,
  BlobHttp,
  BlobUsage,
  FileDescription,
  TransferOptions,
} from './attachments/types.js';
export { CHUNK_BYTES as UPLOAD_CHUNK_BYTES } from './attachments/upload.js';
export { type NewBackup, readBackup, restoreDevice, writeBackupRecords } from './backup.js';
export { MAX_EMOJI_BYTES } from './chat/annotations.js';
export type { DeletedAccount } from './chat/deleteAccount.js';
export { MAX_TIMER_SECONDS, MIN_TIMER_SECONDS } from './chat/disappearing.js';
export {
  type ExportedMessage,
  escapeHtml,
  type HistoryExport,
  historyHtml,
} from './chat/export.js';
export { KEY_PACKAGE_TARGET } from './chat/keyPackages.js';
export { QUOTE_CHARS, quoteOf } from './chat/quotes.js';
export { RECEIPT_MAX_MEMBERS } from './chat/receipts.js';
export { brokenNotice, repairNotice, resetNotice } from './chat/repair.js';
export { RESET_DELAY_MS } from './chat/reset.js';
export { SEARCH_LIMIT } from './chat/search.js';
export { type SuiteInfo, suiteInfo } from './chat/suites.js';
export { systemText } from './chat/systemLines.js';
export { TIMER_CHOICES, timerLabel, timerNotice } from './chat/timerText.js';
export type {
  AttachmentInfo,
  ChatMessage,
  ClientEvents,
  ConversationReset,
  ConversationSummary,
  ForgedAnnotation,
  GroupBroken,
  GroupRepaired,
  HistoryPage,
  HistoryPageOptions,
  MessageStatus,
  NewConversation,
  ParleyClientOptions,
  ReplyQuote,
  SearchResult,
  SystemEvent,
  TimerChange,
} from './chat/types.js';
export { TYPING_REPEAT_MS, TYPING_TTL_MS } from './chat/typing.js';
export { HISTORY_PAGE_SIZE } from './chat/views.js';
export * from './client.js';
export * from './devices.js';
export * from './errorText.js';
export {
  declineHistory,
  HISTORY_WAIT_MS,
  type HistorySummary,
  type ReceiveHistoryOptions,
  receiveHistory,
  recordsSince,
  type SendHistoryOptions,
} from './historyTransfer.js';
export { prepareResetDevice, type ResetIdentity, resetIdentity } from './identityReset.js';
export * from './store.js';
export { GOSSIP_INTERVAL_MS } from './transparency/gossip.js';
export { type KeyAlert, MONITOR_INTERVAL_MS } from './transparency/monitor.js';
export type { SplitView } from './transparency/view.js';
export * from './transport.js';
