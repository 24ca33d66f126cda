/** The WebSocket close codes the server uses on purpose, each with its reason (docs/protocol.md). */
export const CLOSE = {
  /** Too many undecodable frames. */
  invalidFrames: { code: 4400, reason: 'too many invalid frames' },
  /** The `auth` frame named no valid device or its signature did not verify. */
  authFailed: { code: 4401, reason: 'authentication failed' },
  /** A frame other than one `auth` before the server answered it. */
  unauthenticated: { code: 4402, reason: 'authenticate first' },
  /** The device was revoked. */
  revoked: { code: 4403, reason: 'device revoked' },
  /** The server's operator disabled the account (its devices are refused until it is enabled). */
  disabled: { code: 4405, reason: 'account disabled' },
  /** No `auth` within `limits.authTimeoutMs`. */
  authTimeout: { code: 4408, reason: 'authentication timeout' },
  /** The connection kept sending over its frame rate limit. */
  rateLimited: { code: 4429, reason: 'too many frames over the rate limit' },
  /** The client address has `limits.unauthenticatedPerAddress` or `connectionsPerAddress` open. */
  addressBusy: { code: 4430, reason: 'too many connections from this address' },
  /** The device has `limits.connectionsPerDevice` connections open. */
  deviceBusy: { code: 4431, reason: 'too many connections of this device' },
  /** The account's devices have `limits.connectionsPerAccount` connections open. */
  accountBusy: { code: 4432, reason: 'too many connections of this account' },
  /** The node has `limits.unauthenticatedTotal` connections waiting to authenticate (RFC 6455 1013: try again later). */
  serverBusy: { code: 1013, reason: 'too many connections waiting to authenticate; try again later' },
} as const;

export type CloseKind = keyof typeof CLOSE;
