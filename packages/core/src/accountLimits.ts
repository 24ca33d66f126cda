/**
 * What a person types to get or open an account, bounded: password length (OPAQUE takes any
 * password; these are the policy every front end applies) and the server's access password and
 * invite code (the lengths the server's registration route accepts).
 */

/** A new account's password has at least this many characters. */
export const MIN_PASSWORD_CHARS = 8;
/** No password is longer than this (it bounds the work a typed password costs). */
export const MAX_PASSWORD_CHARS = 1024;
/** The server-wide access password asked at registration, at most this long. */
export const MAX_ACCESS_PASSWORD_CHARS = 256;
/** An invite code asked at registration, at most this long. */
export const MAX_INVITE_CODE_CHARS = 128;
