/** What to tell a person about a failure: one sentence per error code, for the CLI and the web app alike. */
import { codeOf, type ErrorCode } from '@parley/core';

/** What the sentence may mention besides the error itself. */
export interface ErrorTextContext {
  /** The server's URL, when the person knows which server they use (the terminal client). */
  server?: string;
  /**
   * A short lower-case clause without advice or final full stop, for a line such as
   * `parley: that username is taken`; otherwise whole sentences ("That username is taken. Choose
   * another one.").
   */
  brief?: boolean;
}

interface Details {
  /** The error's own message (written without user data; some codes' messages are meant for people). */
  message: string;
  server: string | undefined;
}

interface Text {
  /** What went wrong, as a clause without final punctuation. */
  say: string | ((d: Details) => string);
  /** What the person can do about it: a sentence left out of the brief form. */
  advice?: string;
}

const RETRIED = 'It will be tried again automatically.';
const TRY_AGAIN = 'Try again.';
/** The error's own message says it best: it names what was asked and why that cannot be done. */
const OWN_MESSAGE = (d: Details) => d.message;

/** The sentence for every code (a Record, so a new code cannot be added without one). */
const TEXTS: Record<ErrorCode, Text> = {
  // Core: decoding, cryptography, identities, the group protocol.
  decode_error: { say: 'Something received could not be read' },
  too_large: { say: 'That is too long' },
  bad_signature: { say: 'A signature did not verify, so what it signed was not accepted' },
  decrypt_failed: { say: 'A message could not be decrypted' },
  wrong_key: { say: 'Wrong password', advice: 'The saved data could not be unlocked with it.' },
  credential_invalid: { say: OWN_MESSAGE },
  credential_not_certified: { say: 'A device is not certified by its account’s identity key' },
  credential_expired: { say: 'A device’s certificate has expired' },
  device_revoked: { say: 'That device has been revoked' },
  identity_key_mismatch: {
    say: 'A safety number changed',
    advice: 'Review the warning before continuing.',
  },
  identity_rejected: { say: 'A device’s identity was not accepted' },
  unexpected_account: { say: 'A device belongs to another account than expected' },
  not_a_member: { say: OWN_MESSAGE },
  wrong_group: { say: 'A message was meant for another conversation' },
  wrong_epoch: { say: 'The conversation kept changing', advice: TRY_AGAIN },
  replayed_message: { say: 'A message arrived twice', advice: 'The copy was ignored.' },
  invalid_message: { say: 'A message was not valid and was not accepted' },
  invalid_commit: { say: 'A change to the conversation was not accepted', advice: TRY_AGAIN },
  unsupported: { say: 'That is not supported by this server' },
  no_key_packages: {
    say: OWN_MESSAGE,
    advice:
      'They need to sign in once with an up-to-date app, or start the conversation without post-quantum encryption.',
  },
  usage: { say: OWN_MESSAGE },
  // The HTTP API.
  invalid_request: { say: 'The server did not accept the request' },
  invalid_username: { say: OWN_MESSAGE },
  username_taken: {
    say: 'That username is taken, or looks too much like one that is',
    advice: 'Choose another one.',
  },
  username_quarantined: {
    say: 'That username belonged to an account deleted recently, or looks too much like one',
    advice: 'It stays reserved for a while after the deletion; choose another one.',
  },
  fresh_login_required: {
    say: 'Deleting an account needs a login made in the last few minutes',
    advice: 'Sign in again with your password, then delete.',
  },
  access_denied: { say: 'Wrong access password or invite code' },
  invite_used: { say: 'This invite code has already been used' },
  forbidden: { say: 'The server does not serve that to this client' },
  invalid_credentials: { say: 'Wrong username or password' },
  login_expired: { say: 'Signing in took too long', advice: TRY_AGAIN },
  unauthorized: { say: 'The session with the server has ended', advice: 'Sign in again.' },
  not_found: { say: 'The server has no such account, device or code' },
  invalid_certificate: { say: 'The server did not accept a device certificate' },
  device_exists: { say: 'That device is already registered' },
  rate_limited: { say: 'Too many attempts; wait a minute', advice: 'Then try again.' },
  payload_too_large: { say: 'That is too long' },
  blob_not_found: { say: 'That attachment is no longer on the server' },
  // The server's message names the cap (devices, link codes, groups) and what lifts it.
  limit_reached: { say: OWN_MESSAGE },
  account_disabled: {
    say: 'This account is disabled on this server',
    advice: 'Its operator disabled it; ask them why.',
  },
  internal: { say: 'The server ran into a problem', advice: 'Try again later.' },
  // WebSocket error frames.
  unauthenticated: { say: 'The connection to the server is not signed in yet', advice: TRY_AGAIN },
  auth_failed: {
    say: 'The server no longer accepts this device (it was revoked)',
    advice: 'Link it again from one of your other devices.',
  },
  invalid_key_package: { say: 'The server did not accept this device’s key packages' },
  too_many_key_packages: { say: 'The server already holds enough key packages of this device' },
  group_exists: { say: 'That conversation already exists' },
  wrong_sender: { say: 'The server refused a message not sent from this device’s own place in the group' },
  duplicate_message_id: { say: 'That message was already sent' },
  invalid_expiry: { say: 'A disappearing message had an expiry the server does not accept' },
  blob_invalid: { say: 'An attachment could not be sent with the message', advice: TRY_AGAIN },
  // The connection to the server.
  offline: { say: 'Not connected to the server', advice: RETRIED },
  timeout: { say: 'Not connected to the server', advice: RETRIED },
  closed: { say: 'The connection to the server was closed' },
  protocol: {
    say: 'The server’s answer could not be understood',
    advice: 'Is it a Parley server of a matching version?',
  },
  unreachable: {
    say: (d) =>
      d.server === undefined ? 'Cannot reach the server' : `Cannot reach the server at ${d.server}`,
    advice: 'Check your connection and try again.',
  },
  untrusted_certificate: {
    say: OWN_MESSAGE,
    advice: 'If it is your server, compare its certificate’s fingerprint and trust it explicitly.',
  },
  wrong_password: { say: 'Wrong username or password' },
  // The server's settings.
  invalid_config: { say: OWN_MESSAGE },
  // Attachments.
  attachment_too_large: { say: OWN_MESSAGE },
  attachment_quota_exceeded: {
    say: OWN_MESSAGE,
    advice: 'Files you sent leave the server with their messages; deleting one frees its space.',
  },
  transfer_failed: { say: 'The file could not be transferred', advice: TRY_AGAIN },
  // Encrypted backups: the messages say which line of the key, or what is wrong with the file.
  recovery_key_invalid: { say: OWN_MESSAGE },
  wrong_recovery_key: {
    say: 'This recovery key does not open this backup',
    advice: 'Check it against the one you wrote down when you made the backup.',
  },
  backup_invalid: { say: OWN_MESSAGE },
  history_invalid: {
    say: 'The history sent from your other device could not be read (damaged or altered)',
    advice: 'Nothing of it was kept; this device starts with an empty history.',
  },
  // Key transparency (issue #21).
  log_invalid: {
    say: 'The server’s key log did not check out (a head or proof that does not verify)',
    advice: 'Nothing it vouched for was trusted.',
  },
  key_not_logged: {
    say: 'The server handed out a key it could not show in its public key log',
    advice: 'The key was not trusted: the server may be trying to impersonate someone.',
  },
  deletion_not_logged: {
    say: 'The server said someone’s account was deleted but could not show it in its public key log',
    advice: 'Nobody was removed: the server may be trying to push that person out of your conversations.',
  },
  log_split_view: {
    say: 'The server showed two different histories of its key log',
    advice: 'It may be showing different keys to different people. Compare safety numbers in person.',
  },
};

/**
 * The sentence to show a person for an error, chosen by its code. Anything that is not a Parley
 * error (a bug, a platform failure) is shown by its message.
 */
export function errorText(error: unknown, context: ErrorTextContext = {}): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const text: Text = code === undefined ? { say: OWN_MESSAGE } : TEXTS[code];
  const said = typeof text.say === 'string' ? text.say : text.say({ message, server: context.server });
  const clause = said.replace(/[.!]$/, '');
  if (context.brief) {
    // Our own clauses start with a capital only because they open a sentence; messages keep theirs.
    return text.say === OWN_MESSAGE ? clause : clause.charAt(0).toLowerCase() + clause.slice(1);
  }
  const sentence = `${clause.charAt(0).toUpperCase()}${clause.slice(1)}${clause.endsWith('?') ? '' : '.'}`;
  return text.advice === undefined ? sentence : `${sentence} ${text.advice}`;
}
