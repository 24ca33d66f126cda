/** English messages: the SDK’s errors by their stable codes (web/src/i18n/errors.ts). Part of the English catalogue (./en.ts). */
export const enErrors = {
  'error.decode_error': 'Something received could not be read.',
  'error.too_large': 'That is too long.',
  'error.bad_signature': 'A signature did not verify, so what it signed was not accepted.',
  'error.decrypt_failed': 'A message could not be decrypted.',
  'error.wrong_key': 'Wrong password. The saved data could not be unlocked with it.',
  'error.credential_not_certified': 'A device is not certified by its account’s identity key.',
  'error.credential_expired': 'A device’s certificate has expired.',
  'error.device_revoked': 'That device has been revoked.',
  'error.identity_key_mismatch': 'A safety number changed. Review the warning before continuing.',
  'error.identity_rejected': 'A device’s identity was not accepted.',
  'error.unexpected_account': 'A device belongs to another account than expected.',
  'error.wrong_group': 'A message was meant for another conversation.',
  'error.wrong_epoch': 'The conversation kept changing. Try again.',
  'error.replayed_message': 'A message arrived twice. The copy was ignored.',
  'error.invalid_message': 'A message was not valid and was not accepted.',
  'error.invalid_commit': 'A change to the conversation was not accepted. Try again.',
  'error.unsupported': 'That is not supported by this server.',
  'error.invalid_request': 'The server did not accept the request.',
  'error.username_taken': 'That username is taken, or looks too much like one that is. Choose another one.',
  'error.username_quarantined':
    'That username belonged to an account deleted recently, or looks too much like one. It stays reserved for a while after the deletion; choose another one.',
  'error.fresh_login_required':
    'Deleting an account needs a login made in the last few minutes. Sign in again with your password, then delete.',
  'error.access_denied': 'Wrong access password or invite code.',
  'error.invite_used': 'This invite code has already been used.',
  'error.forbidden': 'The server does not serve that to this client.',
  'error.invalid_credentials': 'Wrong username or password.',
  'error.login_expired': 'Signing in took too long. Try again.',
  'error.unauthorized': 'The session with the server has ended. Sign in again.',
  'error.not_found': 'The server has no such account, device or code.',
  'error.invalid_certificate': 'The server did not accept a device certificate.',
  'error.device_exists': 'That device is already registered.',
  'error.rate_limited': 'Too many attempts; wait a minute. Then try again.',
  'error.payload_too_large': 'That is too long.',
  'error.blob_not_found': 'That attachment is no longer on the server.',
  'error.account_disabled':
    'This account is disabled on this server. Its operator disabled it; ask them why.',
  'error.internal': 'The server ran into a problem. Try again later.',
  'error.unauthenticated': 'The connection to the server is not signed in yet. Try again.',
  'error.auth_failed':
    'The server no longer accepts this device (it was revoked). Link it again from one of your other devices.',
  'error.invalid_key_package': 'The server did not accept this device’s key packages.',
  'error.too_many_key_packages': 'The server already holds enough key packages of this device.',
  'error.group_exists': 'That conversation already exists.',
  'error.wrong_sender': 'The server refused a message not sent from this device’s own place in the group.',
  'error.duplicate_message_id': 'That message was already sent.',
  'error.invalid_expiry': 'A disappearing message had an expiry the server does not accept.',
  'error.blob_invalid': 'An attachment could not be sent with the message. Try again.',
  'error.offline': 'Not connected to the server. It will be tried again automatically.',
  'error.timeout': 'Not connected to the server. It will be tried again automatically.',
  'error.closed': 'The connection to the server was closed.',
  'error.protocol':
    'The server’s answer could not be understood. Is it a Parley server of a matching version?',
  'error.wrong_password': 'Wrong username or password.',
  'error.transfer_failed': 'The file could not be transferred. Try again.',
  'error.wrong_recovery_key':
    'This recovery key does not open this backup. Check it against the one you wrote down when you made the backup.',
  'error.history_invalid':
    'The history sent from your other device could not be read (damaged or altered). Nothing of it was kept; this device starts with an empty history.',
  'error.log_invalid':
    'The server’s key log did not check out (a head or proof that does not verify). Nothing it vouched for was trusted.',
  'error.key_not_logged':
    'The server handed out a key it could not show in its public key log. The key was not trusted: the server may be trying to impersonate someone.',
  'error.deletion_not_logged':
    'The server said someone’s account was deleted but could not show it in its public key log. Nobody was removed: the server may be trying to push that person out of your conversations.',
  'error.log_split_view':
    'The server showed two different histories of its key log. It may be showing different keys to different people. Compare safety numbers in person.',
  'error.unreachable': 'Cannot reach the server. Check your connection and try again.',
  'errorLead.credential_invalid': 'A device’s credential is not valid: {detail}.',
  'errorLead.not_a_member': 'You are not a member of this conversation: {detail}.',
  'errorLead.no_key_packages':
    'This person cannot be added yet: {detail}. They need to sign in once with an up-to-date app, or start the conversation without post-quantum encryption.',
  'errorLead.usage': 'That cannot be done here: {detail}.',
  'errorLead.invalid_username': 'That username is not allowed: {detail}.',
  'errorLead.limit_reached': 'A limit of this server was reached: {detail}.',
  'errorLead.untrusted_certificate':
    'The server’s certificate is not trusted: {detail}. If it is your server, compare its certificate’s fingerprint and trust it explicitly.',
  'errorLead.invalid_config': 'The server’s settings are not valid: {detail}.',
  'errorLead.attachment_too_large': 'The file is too large: {detail}.',
  'errorLead.attachment_quota_exceeded':
    'Your space for files on this server is full: {detail}. Files you sent leave the server with their messages; deleting one frees its space.',
  'errorLead.recovery_key_invalid': 'The recovery key is not valid: {detail}.',
  'errorLead.backup_invalid': 'The backup file cannot be used: {detail}.',
} as const;
