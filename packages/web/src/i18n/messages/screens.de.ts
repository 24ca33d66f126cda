/** Deutsch: the dialogs, panels, system lines and checks (./screens.en.ts). */
import type { enScreens } from './screens.en.js';

export const deScreens: Record<keyof typeof enScreens, string> = {
  'members.rename': 'Umbenennen',
  'members.you': ' (du)',
  'members.block': 'Blockieren',
  'members.remove': 'Entfernen',
  'members.addLabel': 'Personen hinzufügen (Benutzernamen)',
  'members.add': 'Hinzufügen',
  'members.leave': 'Gruppe verlassen',
  'identity.changed':
    'Die Sicherheitsnummer von <b>{contact}</b> hat sich geändert. Das passiert, wenn die Person die App neu installiert oder einen neuen Kontoschlüssel verwendet – oder wenn jemand, womöglich der Server, versucht, deine Nachrichten abzufangen.',
  'identity.held':
    'Was du in Unterhaltungen mit {contact} sendest und was {contact} mit dem neuen Schlüssel sendet, wird zurückgehalten, bis du entscheidest. Deine anderen Unterhaltungen laufen weiter.',
  'identity.compare': 'Neue Sicherheitsnummer vergleichen',
  'identity.accept': 'Neuen Schlüssel akzeptieren',
  'identity.later': 'Später entscheiden',
  'banner.closed':
    'Getrennt: Der Server hat dieses Gerät abgewiesen (es wurde widerrufen oder vom Server entfernt).',
  'banner.syncFailed':
    'Nachholen fehlgeschlagen ({code}); neuer Versuch… Manche Nachrichten sind vielleicht noch nicht angekommen.',
  'banner.reconnecting':
    'Verbindung zum Server wird wiederhergestellt… Was du jetzt sendest, wird aufbewahrt und gesendet, sobald die Verbindung zurück ist.',
  'file.cancelLabel': 'Abbrechen: {label}',
  'file.downloadLabel': '{name} herunterladen',
  'file.download': 'Herunterladen',
  'file.downloading': '{name} wird heruntergeladen',
  'file.loading': '{name} wird geladen',
  'file.notImage': 'Diese Datei ist kein Bild, das angezeigt werden kann.',
  'file.downloadSize': 'Herunterladen ({size})',
  'file.openImage': 'Bild {name} öffnen',
  'auth.backToSignIn': 'Zurück zur Anmeldung',
  'backup.heading': 'Sicherung',
  'backup.intro':
    'Eine verschlüsselte Sicherung deines Kontos: deine Identität, die Schlüssel und Markierungen deiner Kontakte, die Namen und der Verlauf deiner Unterhaltungen. Mit ihr und ihrem Wiederherstellungsschlüssel kannst du dein Konto auf einem neuen Gerät wiederherstellen, und deine Kontakte sehen keinen Schlüsselwechsel.',
  'backup.firstDeviceOnly':
    'Sicherungen werden auf dem ersten Gerät deines Kontos erstellt, das seinen Identitätsschlüssel hält.',
  'backup.make': 'Mein Konto sichern',
  'backup.makeNew': 'Neue Sicherung erstellen',
  'backup.writeDown':
    '<b>Schreib dir diesen Wiederherstellungsschlüssel jetzt auf.</b> Er wird nur einmal angezeigt und ist der einzige Weg, die Sicherung zu öffnen; niemand, nicht einmal der Server, kann ihn wiederherstellen.',
  'backup.recoveryKey': 'Wiederherstellungsschlüssel',
  'backup.download': 'Sicherungsdatei herunterladen',
  'chat.leaving': 'Verlassen… das nächste Mitglied, das online ist, schließt es ab.',
  'chat.held':
    'Eine Sicherheitsnummer in dieser Unterhaltung hat sich geändert. Was du hier sendest, wartet, bis du sie geprüft hast.',
  'chat.review': 'Prüfen',
  'file.uploads': 'Dateien, die gesendet werden',
  'file.sending': '{name} wird gesendet',
  'devices.thisDevice': 'dieses Gerät',
  'devices.notConnected': 'noch nicht verbunden',
  'devices.lastSeen': 'zuletzt gesehen {when}',
  'devices.revoked': 'widerrufen am {date}',
  'devices.onlineNow': 'jetzt online',
  'devices.added': 'hinzugefügt am {date}',
  'devices.revokeForGood': '{name} endgültig widerrufen',
  'devices.revoke': 'Widerrufen',
  'devices.revokeNote':
    'Ein widerrufenes Gerät kann sich nicht mehr verbinden, und deine Unterhaltungen entfernen es. Widerrufe ein Gerät, das du verloren hast oder nicht mehr benutzt.',
  'devices.firstDeviceOnly':
    'Nur dein erstes Gerät (das deinen Identitätsschlüssel hält) kann Geräte widerrufen.',
  'devices.unnamed': 'Unbenanntes Gerät',
  'link.instructions':
    'Öffne im neuen Browser dieses Parley, melde dich als <b>{me}</b> mit deinem Passwort an und gib diesen Code ein, wenn danach gefragt wird.',
  'link.worksOnce': 'Er gilt einmal.',
  'link.worksOnceUntil': 'Er gilt einmal, bis {time}.',
  'link.intro':
    'Ein neuer Browser oder Computer wird ein weiteres Gerät deines Kontos. Bestätige mit deinem Passwort.',
  'link.historyLabel': 'Deinen Verlauf an das neue Gerät senden',
  'link.historyNote':
    'Nachrichten und die Schlüssel von Dateien, Namen von Unterhaltungen und die Kontakte, die du geprüft hast, verschlüsselt von diesem Gerät zum neuen: Der Server leitet es weiter, ohne es lesen zu können.',
  'link.getCode': 'Verknüpfungscode anfordern',
  'link.historyFailed': 'Dein Verlauf konnte nicht gesendet werden: {error}',
  'link.history30d': 'Die letzten 30 Tage',
  'link.history7d': 'Die letzten 7 Tage',
  'link.historyAll': 'Alles',
  'link.historyNone': 'Nichts',
  'messages.undecryptable':
    '{count, plural, one {# Nachricht konnte nicht entschlüsselt werden.} other {# Nachrichten konnten nicht entschlüsselt werden.}}',
  'history.what':
    '{messages, plural, one {# Nachricht} other {# Nachrichten}} aus {conversations, plural, one {# Unterhaltung} other {# Unterhaltungen}}',
  'history.nothingToSend':
    'Es gab keinen Verlauf zu senden: Das neue Gerät beginnt mit dem, was ab jetzt gesagt wird.',
  'history.sent': '{what} an das neue Gerät gesendet, Ende-zu-Ende-verschlüsselt.',
  'history.received': '{what} von deinem anderen Gerät empfangen.',
  'history.noneSent':
    'Es wird kein Verlauf gesendet: Das neue Gerät beginnt mit dem, was ab jetzt gesagt wird.',
  'history.preparing': 'Dein Verlauf wird vorbereitet…',
  'history.sending': 'Dein Verlauf wird gesendet… {percent}',
  'history.waiting':
    'Warte auf deinen Verlauf von deinem anderen Gerät (bis zu {minutes, plural, one {# Minute} other {# Minuten}})…',
  'history.receiving': 'Dein Verlauf wird empfangen… {percent}',
  'history.noneCame':
    'Von deinem anderen Gerät kam kein Verlauf: Dieses Gerät beginnt mit einem leeren Verlauf.',
  'reset.title': 'Meine Identität zurücksetzen',
  'reset.busy': 'Wird zurückgesetzt…',
  'reset.intro':
    'Nur wenn du <b>jedes Gerät</b> deines Kontos <b>und</b> deine Sicherung oder ihren Wiederherstellungsschlüssel verloren hast. Dein Konto bekommt einen neuen Identitätsschlüssel, und dieser Browser wird sein einziges Gerät:',
  'reset.costDevices': 'jedes andere Gerät des Kontos wird endgültig abgemeldet;',
  'reset.costHistory': 'dein Verlauf und die geprüften Schlüssel deiner Kontakte kommen nicht zurück;',
  'reset.costContacts':
    'alle, mit denen du schreibst, werden gewarnt, dass sich deine Sicherheitsnummer geändert hat, und sollten sie erneut mit dir vergleichen.',
  'reset.understood':
    'Ich verstehe: eine neue Identität, meine alten Geräte abgemeldet, meine Kontakte gewarnt',
  'restore.submit': 'Mein Konto wiederherstellen',
  'restore.busy': 'Wird wiederhergestellt…',
  'restore.intro':
    'Deine Sicherungsdatei und ihr Wiederherstellungsschlüssel bringen deine Identität, deine Kontakte und deinen Verlauf bis zur Sicherung zurück. Dieser Browser wird ein neues Gerät deines Kontos; deine Kontakte sehen keinen Schlüsselwechsel.',
  'restore.file': 'Sicherungsdatei',
  'restore.keyNote':
    'Die 64 Buchstaben und Ziffern, die beim Erstellen der Sicherung angezeigt wurden; Leerzeichen und Bindestriche spielen keine Rolle.',
  'block.what':
    'Nachrichten, die {accountId} ab jetzt sendet, werden auf diesem Gerät verworfen, und die hier angezeigten werden ausgeblendet. Ein Chat nur mit {accountId} verschwindet aus deiner Liste; in Gruppen bleibst du, siehst aber nicht mehr, was die Person schreibt. Ihr seht nicht mehr, wann der andere online ist (der Server erfährt dafür deine Sperrliste; {accountId} wird nichts gesagt).',
  'block.thisDevice':
    'Die Blockierung gilt nur auf diesem Gerät (deine anderen Geräte blockieren für sich selbst). Aufheben unter Datenschutz.',
  'block.button': '{accountId} blockieren',
  'report.sent':
    'Meldung gesendet. Der Betreiber des Servers kann sie jetzt lesen und entscheiden, was zu tun ist.',
  'report.done': 'Fertig',
  'report.what':
    'Nur {file, select, yes {Name, Typ und Größe dieser Datei} other {der Text dieser Nachricht}}, wer sie wann gesendet hat, und dein Grund werden dem Betreiber deines Servers gezeigt. Nichts sonst aus dieser Unterhaltung verlässt dein Gerät.',
  'report.reason': 'Grund (erforderlich)',
  'report.count': '{count} von {max} Zeichen',
  'report.sending': 'Wird gesendet…',
  'report.send': 'Meldung senden',
  'blocked.heading': 'Blockierte Personen',
  'blocked.none': 'Du hast niemanden blockiert.',
  'blocked.unblock': 'Freigeben',
  'export.heading': 'Dein Verlauf',
  'export.intro':
    'Lade die auf diesem Gerät gespeicherten Nachrichten entschlüsselt herunter, um sie anderswo aufzubewahren. Wer die Datei bekommt, kann sie lesen.',
  'export.download': 'Meinen Verlauf herunterladen',
  'export.again': 'Erneut vorbereiten',
  'export.json': 'Als JSON herunterladen',
  'export.html': 'Als Webseite herunterladen',
  'safety.compare':
    'Vergleiche diese Zahlen mit <b>{contact}</b>, persönlich oder in einem Anruf, dem du vertraust, oder scannt gegenseitig eure Codes. Wenn sie übereinstimmen, steht niemand – nicht einmal der Server – zwischen euch.',
  'safety.qr': 'QR-Code der Sicherheitsnummer mit {contact}',
  'safety.verified': 'Du hast {contact} verifiziert.',
  'safety.markVerified': 'Als verifiziert markieren',
  'timer.label': 'Selbstlöschende Nachrichten',
  'timer.off': 'Aus',
  'timer.after': 'Nach {duration}',
  'timer.note':
    'Neue Nachrichten verschwinden so lange nach dem Senden von allen Geräten und vom Server. Alle in der Unterhaltung können das ändern.',
  'devices.title': 'Deine Geräte',
  'devices.intro':
    'Die Geräte deines Kontos: Browser und Computer, auf denen du angemeldet bist. Bestätige mit deinem Passwort.',
  'devices.show': 'Geräte anzeigen',
  'delete.title': 'Mein Konto löschen',
  'delete.intro':
    'Damit verlässt du jede Unterhaltung (die anderen sehen {me} gehen), löschst das Konto, seine Geräte und die von dir gesendeten Dateien vom Server und entfernst die Schlüssel und den Verlauf dieses Geräts. Das kann nicht rückgängig gemacht werden; dein Name bleibt eine Weile reserviert, dann kann ihn jeder nehmen. Lade vorher deinen Verlauf herunter (Datenschutz), wenn du ihn behalten willst.',
  'delete.submit': 'Mein Konto endgültig löschen',
  'newChat.noOne': 'Gib mindestens einen anderen Benutzernamen ein.',
  'newChat.onePerson': 'Ein Chat ist mit einer Person; erstelle für mehr eine Gruppe.',
  'members.title': 'Mitglieder von {title}',
  'safety.title': 'Sicherheitsnummer mit {contact}',
  'identity.title': 'Die Sicherheitsnummer von {contact} hat sich geändert',
  'identity.newNumber': 'Die neue Sicherheitsnummer (vergleiche sie mit {contact}, bevor du akzeptierst):',
  'identity.presentedEarlier':
    'Der neue Schlüssel wurde gezeigt, bevor diese Seite geladen wurde: Akzeptiere ihn und vergleiche dann die Sicherheitsnummer aus der Unterhaltung, bevor du {contact} als verifiziert markierst.',
  'block.title': '{accountId} blockieren?',
  'report.title': 'Eine Nachricht von {accountId} melden',
  'check.groupNameEmpty': 'Gib einen Namen für die Gruppe ein.',
  'check.groupNameLong': 'Dieser Gruppenname ist zu lang.',
  'check.textLong': 'Diese Nachricht ist zu lang: Sende sie in Teilen.',
  'check.tooManyPeople': 'Höchstens {max} Personen auf einmal.',
  'file.notSent': '„{name}“ wurde nicht gesendet: {reason}.',
  'safety.noConversation': 'Du hast noch keine Unterhaltung mit {accountId}.',
  'reset.tick': 'Setze das Häkchen, um zu bestätigen, dass du verstehst, was ein Zurücksetzen bewirkt.',
  'reset.holdsDevice': 'Dieser Browser hält ein Gerät von {username}: Melde dich stattdessen damit an.',
  'restore.chooseFile': 'Wähle deine Sicherungsdatei.',
  'restore.fileTooLarge': 'Diese Datei ist größer als jede Parley-Sicherung.',
  'restore.typeKey': 'Gib den Wiederherstellungsschlüssel ein.',
  'restore.keyTooLong': 'Dieser Wiederherstellungsschlüssel ist zu lang.',
  'restore.holdsDevice':
    'Dieser Browser hält bereits ein Gerät von {accountId}: Melde dich stattdessen an, oder melde dich ab und entferne zuerst seine Daten.',
  'check.usernameLong': 'Benutzernamen haben höchstens {max} Zeichen.',
  'check.usernameInvalid': 'Benutzername: {reason}.',
  'check.passwordShort': 'Wähle ein Passwort mit mindestens {min} Zeichen.',
  'check.passwordLong': 'Dieses Passwort ist zu lang.',
  'check.passwordEmpty': 'Gib dein Passwort ein.',
  'check.secretEmpty':
    '{what, select, invite {Gib den Einladungscode ein.} other {Gib das Zugangspasswort ein.}}',
  'check.secretLong':
    '{what, select, invite {Dieser Einladungscode ist zu lang.} other {Dieses Zugangspasswort ist zu lang.}}',
  'session.otherTab':
    'Parley ist bereits in einem anderen Tab dieses Browsers geöffnet. Nutze diesen Tab, oder schließe ihn und lade diesen neu.',
  'session.noDevice': 'Dieser Browser hält kein Gerät für dieses Konto.',
  'session.linkCodeNeeded':
    'Dieser Browser hält noch kein Gerät von {username}. Wähle auf einem Gerät, auf dem du angemeldet bist, „Gerät verknüpfen“ und gib hier den angezeigten Code ein.',
  'session.linkCodeUnknown':
    'Dieser Verknüpfungscode ist unbekannt, benutzt oder abgelaufen. Lass dir von deinem anderen Gerät einen neuen geben.',
  'session.linkCodeShape': 'Ein Verknüpfungscode hat {count} Buchstaben und Ziffern.',
  'session.linkCodeOtherAccount': 'Dieser Verknüpfungscode gehört zu einem anderen Konto.',
  'session.historyFailed':
    'Dein Verlauf konnte nicht empfangen werden ({error}). Dieser Browser ist jetzt ein Gerät von {accountId}: Melde dich erneut an, um es mit einem leeren Verlauf zu nutzen.',
  'session.firstDeviceOnly':
    'Nur das erste Gerät des Kontos (das seinen Identitätsschlüssel hält) kann Geräte verknüpfen.',
  'system.you': 'du',
  'system.byUnknown': 'Ein Gerät, dessen Signatur nicht geprüft werden konnte,',
  'system.byMine': 'Dein Gerät {device}',
  'system.byOther': 'Das Gerät {device} von {account}',
  'system.joined': '{count, plural, one {{names} ist beigetreten} other {{names} sind beigetreten}}',
  'system.left':
    '{count, plural, one {{names} ist nicht mehr in der Unterhaltung} other {{names} sind nicht mehr in der Unterhaltung}}',
  'system.removedBy': 'du wurdest von {by} entfernt',
  'system.youLeft': 'du bist nicht mehr in der Unterhaltung',
  'system.timerOff':
    '{mine, select, yes {du hast selbstlöschende Nachrichten ausgeschaltet} other {{who} hat selbstlöschende Nachrichten ausgeschaltet}}',
  'system.timerSet':
    '{mine, select, yes {du hast selbstlöschende Nachrichten auf {duration} gestellt} other {{who} hat selbstlöschende Nachrichten auf {duration} gestellt}}',
  'system.repaired':
    '{by} hat eine Änderung gesendet, die nicht angewendet werden konnte; diese Unterhaltung wurde repariert.{missed, plural, =0 {} one { # Nachricht oder Änderung, die inzwischen gesendet wurde, konnte nicht gelesen werden.} other { # Nachrichten oder Änderungen, die inzwischen gesendet wurden, konnten nicht gelesen werden.}}',
  'system.broken':
    '{by} hat eine Änderung gesendet, die nicht angewendet werden konnte, und diese Unterhaltung konnte nicht repariert werden: Ihre Mitglieder können weiter schreiben, aber niemand kann hinzugefügt oder entfernt werden, bis sie ohne dieses Gerät in eine neue Gruppe umzieht.',
  'system.accountDeleted': 'das Konto von {account} wurde gelöscht',
  'system.renamed': 'die Gruppe wurde in „{name}“ umbenannt',
  'system.resetUnknown':
    'Diese Unterhaltung konnte nicht repariert werden und wurde in eine neue Gruppe verschoben.',
  'system.reset':
    '{by} hat eine Änderung gesendet, die nicht angewendet werden konnte; diese Unterhaltung wurde in eine neue Gruppe ohne {mine, select, yes {dein Konto} other {{account}}} verschoben.',
};
