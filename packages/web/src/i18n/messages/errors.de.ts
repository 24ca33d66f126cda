/** Deutsch: the SDK’s errors by their stable codes (web/src/i18n/errors.ts) (./errors.en.ts). */
import type { enErrors } from './errors.en.js';

export const deErrors: Record<keyof typeof enErrors, string> = {
  'error.decode_error': 'Etwas Empfangenes konnte nicht gelesen werden.',
  'error.too_large': 'Das ist zu lang.',
  'error.bad_signature': 'Eine Signatur war ungültig, daher wurde das Signierte nicht akzeptiert.',
  'error.decrypt_failed': 'Eine Nachricht konnte nicht entschlüsselt werden.',
  'error.wrong_key': 'Falsches Passwort. Die gespeicherten Daten konnten damit nicht entsperrt werden.',
  'error.credential_not_certified':
    'Ein Gerät ist nicht durch den Identitätsschlüssel seines Kontos zertifiziert.',
  'error.credential_expired': 'Das Zertifikat eines Geräts ist abgelaufen.',
  'error.device_revoked': 'Dieses Gerät wurde widerrufen.',
  'error.identity_key_mismatch':
    'Eine Sicherheitsnummer hat sich geändert. Prüfe die Warnung, bevor du weitermachst.',
  'error.identity_rejected': 'Die Identität eines Geräts wurde nicht akzeptiert.',
  'error.unexpected_account': 'Ein Gerät gehört zu einem anderen Konto als erwartet.',
  'error.wrong_group': 'Eine Nachricht war für eine andere Unterhaltung bestimmt.',
  'error.wrong_epoch': 'Die Unterhaltung hat sich ständig geändert. Versuche es erneut.',
  'error.replayed_message': 'Eine Nachricht kam doppelt an. Die Kopie wurde ignoriert.',
  'error.invalid_message': 'Eine Nachricht war ungültig und wurde nicht akzeptiert.',
  'error.invalid_commit': 'Eine Änderung an der Unterhaltung wurde nicht akzeptiert. Versuche es erneut.',
  'error.unsupported': 'Das wird von diesem Server nicht unterstützt.',
  'error.invalid_request': 'Der Server hat die Anfrage nicht akzeptiert.',
  'error.username_taken':
    'Dieser Benutzername ist vergeben oder ähnelt zu sehr einem vergebenen. Wähle einen anderen.',
  'error.username_quarantined':
    'Dieser Benutzername gehörte einem kürzlich gelöschten Konto oder ähnelt einem solchen zu sehr. Er bleibt nach der Löschung eine Weile reserviert; wähle einen anderen.',
  'error.fresh_login_required':
    'Zum Löschen eines Kontos ist eine Anmeldung aus den letzten Minuten nötig. Melde dich erneut mit deinem Passwort an und lösche dann.',
  'error.access_denied': 'Falsches Zugangspasswort oder falscher Einladungscode.',
  'error.invite_used': 'Dieser Einladungscode wurde bereits benutzt.',
  'error.forbidden': 'Der Server liefert das diesem Client nicht.',
  'error.invalid_credentials': 'Falscher Benutzername oder falsches Passwort.',
  'error.login_expired': 'Die Anmeldung hat zu lange gedauert. Versuche es erneut.',
  'error.unauthorized': 'Die Sitzung mit dem Server ist beendet. Melde dich erneut an.',
  'error.not_found': 'Der Server kennt kein solches Konto, Gerät oder keinen solchen Code.',
  'error.invalid_certificate': 'Der Server hat ein Gerätezertifikat nicht akzeptiert.',
  'error.device_exists': 'Dieses Gerät ist bereits registriert.',
  'error.rate_limited': 'Zu viele Versuche; warte eine Minute. Versuche es dann erneut.',
  'error.payload_too_large': 'Das ist zu lang.',
  'error.blob_not_found': 'Dieser Anhang ist nicht mehr auf dem Server.',
  'error.account_disabled':
    'Dieses Konto ist auf diesem Server deaktiviert. Sein Betreiber hat es deaktiviert; frag ihn nach dem Grund.',
  'error.internal': 'Beim Server ist ein Problem aufgetreten. Versuche es später erneut.',
  'error.unauthenticated': 'Die Verbindung zum Server ist noch nicht angemeldet. Versuche es erneut.',
  'error.auth_failed':
    'Der Server akzeptiert dieses Gerät nicht mehr (es wurde widerrufen). Verknüpfe es erneut von einem deiner anderen Geräte aus.',
  'error.invalid_key_package': 'Der Server hat die Schlüsselpakete dieses Geräts nicht akzeptiert.',
  'error.too_many_key_packages': 'Der Server hält bereits genug Schlüsselpakete dieses Geräts.',
  'error.group_exists': 'Diese Unterhaltung gibt es bereits.',
  'error.wrong_sender':
    'Der Server hat eine Nachricht abgelehnt, die nicht vom eigenen Platz dieses Geräts in der Gruppe gesendet wurde.',
  'error.duplicate_message_id': 'Diese Nachricht wurde bereits gesendet.',
  'error.invalid_expiry':
    'Eine selbstlöschende Nachricht hatte einen Ablauf, den der Server nicht akzeptiert.',
  'error.blob_invalid': 'Ein Anhang konnte nicht mit der Nachricht gesendet werden. Versuche es erneut.',
  'error.offline': 'Nicht mit dem Server verbunden. Es wird automatisch erneut versucht.',
  'error.timeout': 'Nicht mit dem Server verbunden. Es wird automatisch erneut versucht.',
  'error.closed': 'Die Verbindung zum Server wurde geschlossen.',
  'error.protocol':
    'Die Antwort des Servers war unverständlich. Ist es ein Parley-Server einer passenden Version?',
  'error.wrong_password': 'Falscher Benutzername oder falsches Passwort.',
  'error.transfer_failed': 'Die Datei konnte nicht übertragen werden. Versuche es erneut.',
  'error.wrong_recovery_key':
    'Dieser Wiederherstellungsschlüssel öffnet diese Sicherung nicht. Vergleiche ihn mit dem, den du beim Erstellen der Sicherung aufgeschrieben hast.',
  'error.history_invalid':
    'Der von deinem anderen Gerät gesendete Verlauf konnte nicht gelesen werden (beschädigt oder verändert). Nichts davon wurde behalten; dieses Gerät beginnt mit einem leeren Verlauf.',
  'error.log_invalid':
    'Das Schlüsselprotokoll des Servers hat die Prüfung nicht bestanden (ein Kopf oder Beweis, der sich nicht prüfen lässt). Nichts, wofür er bürgte, wurde vertraut.',
  'error.key_not_logged':
    'Der Server hat einen Schlüssel ausgegeben, den er nicht in seinem öffentlichen Schlüsselprotokoll zeigen konnte. Dem Schlüssel wurde nicht vertraut: Der Server versucht möglicherweise, sich als jemand anderes auszugeben.',
  'error.deletion_not_logged':
    'Der Server meldete ein gelöschtes Konto, konnte die Löschung aber nicht in seinem öffentlichen Schlüsselprotokoll zeigen. Niemand wurde entfernt: Der Server versucht womöglich, diese Person aus euren Unterhaltungen zu drängen.',
  'error.log_split_view':
    'Der Server hat zwei verschiedene Verläufe seines Schlüsselprotokolls gezeigt. Er zeigt möglicherweise verschiedenen Personen verschiedene Schlüssel. Vergleicht die Sicherheitsnummern persönlich.',
  'error.unreachable': 'Der Server ist nicht erreichbar. Prüfe deine Verbindung und versuche es erneut.',
  'errorLead.credential_invalid': 'Der Nachweis eines Geräts ist ungültig: {detail}.',
  'errorLead.not_a_member': 'Du bist kein Mitglied dieser Unterhaltung: {detail}.',
  'errorLead.no_key_packages':
    'Diese Person kann noch nicht hinzugefügt werden: {detail}. Sie muss sich einmal mit einer aktuellen App anmelden, oder starte die Unterhaltung ohne Post-Quanten-Verschlüsselung.',
  'errorLead.usage': 'Das geht hier nicht: {detail}.',
  'errorLead.invalid_username': 'Dieser Benutzername ist nicht erlaubt: {detail}.',
  'errorLead.limit_reached': 'Ein Limit dieses Servers ist erreicht: {detail}.',
  'errorLead.untrusted_certificate':
    'Dem Zertifikat des Servers wird nicht vertraut: {detail}. Wenn es dein Server ist, vergleiche den Fingerabdruck seines Zertifikats und vertraue ihm ausdrücklich.',
  'errorLead.invalid_config': 'Die Einstellungen des Servers sind ungültig: {detail}.',
  'errorLead.attachment_too_large': 'Die Datei ist zu groß: {detail}.',
  'errorLead.attachment_quota_exceeded':
    'Dein Platz für Dateien auf diesem Server ist voll: {detail}. Gesendete Dateien verlassen den Server mit ihren Nachrichten; eine zu löschen gibt ihren Platz frei.',
  'errorLead.recovery_key_invalid': 'Der Wiederherstellungsschlüssel ist ungültig: {detail}.',
  'errorLead.backup_invalid': 'Die Sicherungsdatei kann nicht verwendet werden: {detail}.',
};
