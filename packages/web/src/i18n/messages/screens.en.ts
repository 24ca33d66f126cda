/** English messages: the dialogs, panels, system lines and checks. Part of the English catalogue (./en.ts). */
export const enScreens = {
  'members.rename': 'Rename',
  'members.you': ' (you)',
  'members.block': 'Block',
  'members.remove': 'Remove',
  'members.addLabel': 'Add people (usernames)',
  'members.add': 'Add',
  'members.leave': 'Leave group',
  'identity.changed':
    '<b>{contact}</b>’s safety number has changed. This happens when they reinstall or use a new account key — or when someone, possibly the server, is trying to intercept your messages.',
  'identity.held':
    'What you send to conversations with {contact}, and what {contact} sends with the new key, is held until you decide. Your other conversations carry on.',
  'identity.compare': 'Compare new safety number',
  'identity.accept': 'Accept the new key',
  'identity.later': 'Decide later',
  'banner.closed':
    'Disconnected: the server refused this device (it was revoked, or removed from the server).',
  'banner.syncFailed': 'Catching up failed ({code}); trying again… Some messages may not have arrived yet.',
  'banner.reconnecting':
    'Reconnecting to the server… Messages you send now are kept and sent when the connection is back.',
  'file.cancelLabel': 'Cancel: {label}',
  'file.downloadLabel': 'Download {name}',
  'file.download': 'Download',
  'file.downloading': 'Downloading {name}',
  'file.loading': 'Loading {name}',
  'file.notImage': 'This file is not an image that can be shown.',
  'file.downloadSize': 'Download ({size})',
  'file.openImage': 'Open image {name}',
  'auth.backToSignIn': 'Back to sign in',
  'backup.heading': 'Backup',
  'backup.intro':
    'An encrypted backup of your account: your identity, your contacts’ keys and marks, your conversations’ names and history. With it and its recovery key you can restore your account on a new device, and your contacts see no change of key.',
  'backup.firstDeviceOnly': 'Backups are made on your account’s first device, which holds its identity key.',
  'backup.make': 'Back up my account',
  'backup.makeNew': 'Make a new backup',
  'backup.writeDown':
    '<b>Write down this recovery key now.</b> It is shown once and is the only way to open the backup; nobody, not even the server, can recover it.',
  'backup.recoveryKey': 'Recovery key',
  'backup.download': 'Download the backup file',
  'chat.leaving': 'Leaving… the next member online completes it.',
  'chat.held': 'A safety number in this conversation changed. What you send here waits until you review it.',
  'chat.review': 'Review',
  'file.uploads': 'Files being sent',
  'file.sending': 'Sending {name}',
  'devices.thisDevice': 'this device',
  'devices.notConnected': 'not connected yet',
  'devices.lastSeen': 'last seen {when}',
  'devices.revoked': 'revoked {date}',
  'devices.onlineNow': 'online now',
  'devices.added': 'added {date}',
  'devices.revokeForGood': 'Revoke {name} for good',
  'devices.revoke': 'Revoke',
  'devices.revokeNote':
    'A revoked device can no longer connect, and your conversations drop it. Revoke a device you lost or no longer use.',
  'devices.firstDeviceOnly':
    'Only your first device (the one that holds your identity key) can revoke devices.',
  'devices.unnamed': 'Unnamed device',
  'link.instructions':
    'On the new browser, open this Parley, sign in as <b>{me}</b> with your password and type this code when asked.',
  'link.worksOnce': 'It works once.',
  'link.worksOnceUntil': 'It works once, until {time}.',
  'link.intro':
    'A new browser or computer becomes another device of your account. Confirm with your password.',
  'link.historyLabel': 'Send your history to the new device',
  'link.historyNote':
    'Messages and the keys of files, conversation names and the contacts you checked, encrypted from this device to the new one: the server relays it without being able to read it.',
  'link.getCode': 'Get a link code',
  'link.historyFailed': 'Your history could not be sent: {error}',
  'link.history30d': 'The last 30 days',
  'link.history7d': 'The last 7 days',
  'link.historyAll': 'All of it',
  'link.historyNone': 'None',
  'messages.undecryptable':
    '{count, plural, one {# message could not be decrypted.} other {# messages could not be decrypted.}}',
  'history.what':
    '{messages, plural, one {# message} other {# messages}} of {conversations, plural, one {# conversation} other {# conversations}}',
  'history.nothingToSend':
    'There was no history to send: the new device starts with what is said from now on.',
  'history.sent': 'Sent {what} to the new device, end-to-end encrypted.',
  'history.received': 'Received {what} from your other device.',
  'history.noneSent': 'No history is sent: the new device starts with what is said from now on.',
  'history.preparing': 'Preparing your history…',
  'history.sending': 'Sending your history… {percent}',
  'history.waiting':
    'Waiting for your history from your other device (up to {minutes, plural, one {# minute} other {# minutes}})…',
  'history.receiving': 'Receiving your history… {percent}',
  'history.noneCame': 'No history came from your other device: this device starts with an empty history.',
  'reset.title': 'Reset my identity',
  'reset.busy': 'Resetting…',
  'reset.intro':
    'Only if you lost <b>every device</b> of your account <b>and</b> your backup or its recovery key. Your account gets a new identity key and this browser becomes its only device:',
  'reset.costDevices': 'every other device of the account is signed out for good;',
  'reset.costHistory': 'your history and your contacts’ checked keys do not come back;',
  'reset.costContacts':
    'everyone you talk with is warned that your safety number changed, and should compare it with you again.',
  'reset.understood': 'I understand: a new identity, my old devices signed out, my contacts warned',
  'restore.submit': 'Restore my account',
  'restore.busy': 'Restoring…',
  'restore.intro':
    'Your backup file and its recovery key bring back your identity, your contacts and your history up to the backup. This browser becomes a new device of your account; your contacts see no change of key.',
  'restore.file': 'Backup file',
  'restore.keyNote':
    'The 64 letters and digits shown when you made the backup; spaces and dashes do not matter.',
  'block.what':
    'Messages {accountId} sends from now on are dropped on this device, and the ones shown here are hidden. A chat with only {accountId} leaves your list; in groups you stay, but you no longer see what they write. You stop seeing when each other are online (the server learns your block list for that; {accountId} is not told).',
  'block.thisDevice':
    'Blocking is kept on this device only (your other devices block for themselves). Unblock in Privacy.',
  'block.button': 'Block {accountId}',
  'report.sent': 'Report sent. The server’s operator can now read it and decide what to do.',
  'report.done': 'Done',
  'report.what':
    'Only {file, select, yes {this file’s name, type and size} other {the text of this message}}, who sent it and when, and your reason are shown to the operator of your server. Nothing else of this conversation leaves your device.',
  'report.reason': 'Reason (required)',
  'report.count': '{count} of {max} characters',
  'report.sending': 'Sending…',
  'report.send': 'Send report',
  'blocked.heading': 'Blocked people',
  'blocked.none': 'You have not blocked anyone.',
  'blocked.unblock': 'Unblock',
  'export.heading': 'Your history',
  'export.intro':
    'Download the messages kept on this device, decrypted, to keep them elsewhere. Anyone who gets the file can read them.',
  'export.download': 'Download my history',
  'export.again': 'Prepare again',
  'export.json': 'Download as JSON',
  'export.html': 'Download as a web page',
  'safety.compare':
    'Compare these numbers with <b>{contact}</b>, in person or over a call you trust, or scan each other’s code. If they match, nobody — not even the server — is between you.',
  'safety.qr': 'QR code of the safety number with {contact}',
  'safety.verified': 'You have verified {contact}.',
  'safety.markVerified': 'Mark as verified',
  'timer.label': 'Disappearing messages',
  'timer.off': 'Off',
  'timer.after': 'After {duration}',
  'timer.note':
    'New messages leave everyone’s devices and the server that long after they are sent. Anyone in the conversation can change it.',
  'devices.title': 'Your devices',
  'devices.intro':
    'The devices of your account: browsers and computers where you are signed in. Confirm with your password.',
  'devices.show': 'Show devices',
  'delete.title': 'Delete my account',
  'delete.intro':
    'This leaves every conversation (the others see {me} go), deletes the account, its devices and the files you sent from the server, and removes this device’s keys and history. It cannot be undone; your name stays reserved for a while, then anyone may take it. Download your history first (Privacy) if you want to keep it.',
  'delete.submit': 'Delete my account for good',
  'newChat.noOne': 'Enter at least one other username.',
  'newChat.onePerson': 'A chat is with one person; create a group for more.',
  'members.title': 'Members of {title}',
  'safety.title': 'Safety number with {contact}',
  'identity.title': '{contact}’s safety number changed',
  'identity.newNumber': 'The new safety number (compare it with {contact} before accepting):',
  'identity.presentedEarlier':
    'The new key was presented before this page was loaded: accept it, then compare the safety number from the conversation before marking {contact} as verified.',
  'block.title': 'Block {accountId}?',
  'report.title': 'Report a message from {accountId}',
  'check.groupNameEmpty': 'Enter a name for the group.',
  'check.groupNameLong': 'That group name is too long.',
  'check.textLong': 'That message is too long: send it in parts.',
  'check.tooManyPeople': 'At most {max} people at once.',
  'file.notSent': '“{name}” was not sent: {reason}.',
  'safety.noConversation': 'You have no conversation with {accountId} yet.',
  'reset.tick': 'Tick the box to say you understand what a reset does.',
  'reset.holdsDevice': 'This browser holds a device of {username}: sign in with it instead.',
  'restore.chooseFile': 'Choose your backup file.',
  'restore.fileTooLarge': 'That file is larger than any Parley backup.',
  'restore.typeKey': 'Type the recovery key.',
  'restore.keyTooLong': 'That recovery key is too long.',
  'restore.holdsDevice':
    'This browser already holds a device of {accountId}: sign in instead, or log out and remove its data first.',
  'check.usernameLong': 'Usernames are at most {max} characters.',
  'check.usernameInvalid': 'Username: {reason}.',
  'check.passwordShort': 'Choose a password of at least {min} characters.',
  'check.passwordLong': 'That password is too long.',
  'check.passwordEmpty': 'Enter your password.',
  'check.secretEmpty': '{what, select, invite {Enter the invite code.} other {Enter the access password.}}',
  'check.secretLong':
    '{what, select, invite {That invite code is too long.} other {That access password is too long.}}',
  'session.otherTab':
    'Parley is already open in another tab of this browser. Use that tab, or close it and reload this one.',
  'session.noDevice': 'This browser holds no device for that account.',
  'session.linkCodeNeeded':
    'This browser holds no device of {username} yet. On a device where you are signed in, choose “Link a device” and type the code it shows here.',
  'session.linkCodeUnknown':
    'That link code is unknown, used or expired. Ask your other device for a new one.',
  'session.linkCodeShape': 'A link code has {count} letters and digits.',
  'session.linkCodeOtherAccount': 'That link code is for another account.',
  'session.historyFailed':
    'Your history could not be received ({error}). This browser is now a device of {accountId}: sign in again to use it, with an empty history.',
  'session.firstDeviceOnly':
    'Only the account’s first device (the one that holds its identity key) can link devices.',
  'system.you': 'you',
  'system.byUnknown': 'A device whose signature could not be verified',
  'system.byMine': 'Your device {device}',
  'system.byOther': "{account}'s device {device}",
  'system.joined': '{count, plural, one {{names} joined} other {{names} joined}}',
  'system.left':
    '{count, plural, one {{names} is no longer in the conversation} other {{names} are no longer in the conversation}}',
  'system.removedBy': 'you were removed by {by}',
  'system.youLeft': 'you are no longer in the conversation',
  'system.timerOff':
    '{mine, select, yes {you turned off disappearing messages} other {{who} turned off disappearing messages}}',
  'system.timerSet':
    '{mine, select, yes {you set disappearing messages to {duration}} other {{who} set disappearing messages to {duration}}}',
  'system.repaired':
    '{by} sent a change that could not be applied; this conversation was repaired.{missed, plural, =0 {} one { # message or change sent meanwhile could not be read.} other { # messages or changes sent meanwhile could not be read.}}',
  'system.broken':
    '{by} sent a change that could not be applied, and this conversation could not be repaired: its members can still write, but nobody can be added or removed until it moves to a new group without that device.',
  'system.accountDeleted': '{account}’s account was deleted',
  'system.renamed': 'the group was renamed “{name}”',
  'system.resetUnknown': 'This conversation could not be repaired and was moved to a new group.',
  'system.reset':
    '{by} sent a change that could not be applied; this conversation was moved to a new group without {mine, select, yes {your account} other {{account}}}.',
} as const;
