/** Every stable error code in Parley, grouped by where the failure arises; one union over all of them. */

/** Failures inside the core: decoding, cryptography, identities and the MLS group protocol. */
export const MLS_ERROR_CODES = [
  // Input that cannot be decoded or is out of bounds.
  'decode_error',
  'too_large',
  // Cryptographic failures.
  'bad_signature',
  'decrypt_failed',
  'wrong_key',
  // Identity and credentials.
  'credential_invalid',
  'credential_not_certified',
  'credential_expired',
  'device_revoked',
  'identity_key_mismatch',
  'identity_rejected',
  'unexpected_account',
  // Group protocol.
  'not_a_member',
  'wrong_group',
  'wrong_epoch',
  'replayed_message',
  'invalid_message',
  'invalid_commit',
  'unsupported',
  // Someone to add has published no key package of the conversation's ciphersuite.
  'no_key_packages',
  // The API was called in a way it does not support.
  'usage',
] as const;

/** Codes of the HTTP API's error bodies (docs/protocol.md, "Errors"): part of the protocol. */
export const HTTP_ERROR_CODES = [
  'invalid_request',
  'invalid_username',
  'username_taken',
  'access_denied',
  'invite_used',
  'forbidden',
  'invalid_credentials',
  'login_expired',
  'unauthorized',
  'not_found',
  'invalid_certificate',
  'device_exists',
  'rate_limited',
  // A hard cap of the server (devices, link codes, groups): waiting does not lift it.
  'limit_reached',
  'payload_too_large',
  // The server's operator disabled the account: it can neither sign in nor connect.
  'account_disabled',
  // Account deletion (#18): a deleted account's name or a lookalike, during its quarantine; and
  // deleting with a session not opened by a login in the last few minutes.
  'username_quarantined',
  'fresh_login_required',
  // Attachments (encrypted blobs, docs/protocol.md "Attachments").
  'attachment_too_large',
  'attachment_quota_exceeded',
  'blob_not_found',
  'not_a_member',
  'internal',
] as const;

/** Codes of WebSocket `error` frames (docs/protocol.md, "WebSocket error codes"): part of the protocol. */
export const FRAME_ERROR_CODES = [
  'decode_error',
  'too_large',
  'unauthenticated',
  'auth_failed',
  'usage',
  'rate_limited',
  'limit_reached',
  'unsupported',
  'invalid_key_package',
  'too_many_key_packages',
  'not_found',
  'group_exists',
  'not_a_member',
  'wrong_sender',
  'invalid_message',
  'invalid_commit',
  'duplicate_message_id',
  'invalid_expiry',
  // A `send`'s blobIds name a blob that is not the sender's, complete, of this group and unattached.
  'blob_invalid',
  'internal',
] as const;

/** Failures of the client's connection to its server (the server's answer never came, or made no sense). */
export const TRANSPORT_ERROR_CODES = [
  'offline',
  'timeout',
  'closed',
  'auth_failed',
  'protocol',
  // The HTTP API could not be reached at all.
  'unreachable',
  // The server's TLS certificate is not one this client trusts (self-signed, expired, another name).
  'untrusted_certificate',
  // OPAQUE failed on the client's side: nothing more was sent.
  'wrong_password',
] as const;

/** An attachment's transfer, on the client (the server's refusals are HTTP codes). */
export const ATTACHMENT_ERROR_CODES = [
  // (Too large, over quota: the HTTP codes, which the client also raises before uploading.)
  // The upload or download stopped and could not be resumed (the server said why, or kept failing).
  'transfer_failed',
] as const;

/** A setting of the server (command line, environment or config file) is not acceptable. */
export const CONFIG_ERROR_CODES = ['invalid_config'] as const;

/** Encrypted backups (backup.ts): a mistyped recovery key, a wrong one, a file that is not a sound backup. */
export const BACKUP_ERROR_CODES = [
  'recovery_key_invalid',
  'wrong_recovery_key',
  'backup_invalid',
  // A history sent from another device of the account (historyArchive.ts) is damaged or altered.
  'history_invalid',
] as const;

/** Key transparency (issue #21): what a client refuses of the server's log. */
export const TRANSPARENCY_ERROR_CODES = [
  // A tree head not signed by the transparency key pinned for this server, or a proof that fails.
  'log_invalid',
  // A key the server handed out without proving it is in the log.
  'key_not_logged',
  // Two tree heads of this server that no append-only log can both have: the server showed two histories.
  'log_split_view',
  // The server said an account was deleted without proving its deletion is in the log.
  'deletion_not_logged',
] as const;

export type MlsErrorCode = (typeof MLS_ERROR_CODES)[number];
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];
export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];
export type AttachmentErrorCode = (typeof ATTACHMENT_ERROR_CODES)[number];
export type BackupErrorCode = (typeof BACKUP_ERROR_CODES)[number];
export type TransparencyErrorCode = (typeof TRANSPARENCY_ERROR_CODES)[number];

export type ErrorCode =
  | MlsErrorCode
  | HttpErrorCode
  | FrameErrorCode
  | TransportErrorCode
  | ConfigErrorCode
  | AttachmentErrorCode
  | BackupErrorCode
  | TransparencyErrorCode;

/** Every code once. */
export const ERROR_CODES: readonly ErrorCode[] = [
  ...new Set<ErrorCode>([
    ...MLS_ERROR_CODES,
    ...HTTP_ERROR_CODES,
    ...FRAME_ERROR_CODES,
    ...TRANSPORT_ERROR_CODES,
    ...CONFIG_ERROR_CODES,
    ...ATTACHMENT_ERROR_CODES,
    ...BACKUP_ERROR_CODES,
    ...TRANSPARENCY_ERROR_CODES,
  ]),
];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** Whether a string (from the wire, say) is one of Parley's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}
