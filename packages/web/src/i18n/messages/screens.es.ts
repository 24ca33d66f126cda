/** Español: the dialogs, panels, system lines and checks (./screens.en.ts). */
import type { enScreens } from './screens.en.js';

export const esScreens: Record<keyof typeof enScreens, string> = {
  'members.rename': 'Cambiar nombre',
  'members.you': ' (tú)',
  'members.block': 'Bloquear',
  'members.remove': 'Quitar',
  'members.addLabel': 'Añadir personas (nombres de usuario)',
  'members.add': 'Añadir',
  'members.leave': 'Salir del grupo',
  'identity.changed':
    'El número de seguridad de <b>{contact}</b> ha cambiado. Esto ocurre cuando reinstala la app o usa una nueva clave de cuenta, o cuando alguien, posiblemente el servidor, intenta interceptar tus mensajes.',
  'identity.held':
    'Lo que envíes a conversaciones con {contact}, y lo que {contact} envíe con la nueva clave, queda retenido hasta que decidas. Tus otras conversaciones siguen.',
  'identity.compare': 'Comparar el nuevo número de seguridad',
  'identity.accept': 'Aceptar la nueva clave',
  'identity.later': 'Decidir más tarde',
  'banner.closed':
    'Desconectado: el servidor rechazó este dispositivo (fue revocado o eliminado del servidor).',
  'banner.syncFailed':
    'No se pudo ponerse al día ({code}); reintentando… Puede que algunos mensajes aún no hayan llegado.',
  'banner.reconnecting':
    'Reconectando con el servidor… Lo que envíes ahora se guarda y se envía cuando vuelva la conexión.',
  'file.cancelLabel': 'Cancelar: {label}',
  'file.downloadLabel': 'Descargar {name}',
  'file.download': 'Descargar',
  'file.downloading': 'Descargando {name}',
  'file.loading': 'Cargando {name}',
  'file.notImage': 'Este archivo no es una imagen que se pueda mostrar.',
  'file.downloadSize': 'Descargar ({size})',
  'file.openImage': 'Abrir la imagen {name}',
  'auth.backToSignIn': 'Volver a iniciar sesión',
  'backup.heading': 'Copia de seguridad',
  'backup.intro':
    'Una copia de seguridad cifrada de tu cuenta: tu identidad, las claves y marcas de tus contactos, los nombres y el historial de tus conversaciones. Con ella y su clave de recuperación puedes restaurar tu cuenta en un dispositivo nuevo, y tus contactos no ven ningún cambio de clave.',
  'backup.firstDeviceOnly':
    'Las copias de seguridad se hacen en el primer dispositivo de tu cuenta, que guarda su clave de identidad.',
  'backup.make': 'Hacer una copia de mi cuenta',
  'backup.makeNew': 'Hacer una copia nueva',
  'backup.writeDown':
    '<b>Apunta ahora esta clave de recuperación.</b> Se muestra una sola vez y es la única forma de abrir la copia; nadie, ni siquiera el servidor, puede recuperarla.',
  'backup.recoveryKey': 'Clave de recuperación',
  'backup.download': 'Descargar el archivo de la copia',
  'chat.leaving': 'Saliendo… el próximo miembro conectado lo completa.',
  'chat.held':
    'Un número de seguridad de esta conversación ha cambiado. Lo que envíes aquí espera hasta que lo revises.',
  'chat.review': 'Revisar',
  'file.uploads': 'Archivos que se están enviando',
  'file.sending': 'Enviando {name}',
  'devices.thisDevice': 'este dispositivo',
  'devices.notConnected': 'aún no conectado',
  'devices.lastSeen': 'visto por última vez {when}',
  'devices.revoked': 'revocado el {date}',
  'devices.onlineNow': 'conectado ahora',
  'devices.added': 'añadido el {date}',
  'devices.revokeForGood': 'Revocar {name} definitivamente',
  'devices.revoke': 'Revocar',
  'devices.revokeNote':
    'Un dispositivo revocado ya no puede conectarse, y tus conversaciones lo quitan. Revoca un dispositivo que hayas perdido o ya no uses.',
  'devices.firstDeviceOnly':
    'Solo tu primer dispositivo (el que guarda tu clave de identidad) puede revocar dispositivos.',
  'devices.unnamed': 'Dispositivo sin nombre',
  'link.instructions':
    'En el navegador nuevo, abre este Parley, inicia sesión como <b>{me}</b> con tu contraseña y escribe este código cuando se te pida.',
  'link.worksOnce': 'Sirve una sola vez.',
  'link.worksOnceUntil': 'Sirve una sola vez, hasta las {time}.',
  'link.intro':
    'Un navegador u ordenador nuevo se convierte en otro dispositivo de tu cuenta. Confirma con tu contraseña.',
  'link.historyLabel': 'Enviar tu historial al dispositivo nuevo',
  'link.historyNote':
    'Mensajes y las claves de los archivos, nombres de conversaciones y los contactos que verificaste, cifrados de este dispositivo al nuevo: el servidor lo retransmite sin poder leerlo.',
  'link.getCode': 'Obtener un código de vinculación',
  'link.historyFailed': 'No se pudo enviar tu historial: {error}',
  'link.history30d': 'Los últimos 30 días',
  'link.history7d': 'Los últimos 7 días',
  'link.historyAll': 'Todo',
  'link.historyNone': 'Nada',
  'messages.undecryptable':
    '{count, plural, one {# mensaje no se pudo descifrar.} other {# mensajes no se pudieron descifrar.}}',
  'history.what':
    '{messages, plural, one {# mensaje} other {# mensajes}} de {conversations, plural, one {# conversación} other {# conversaciones}}',
  'history.nothingToSend':
    'No había historial que enviar: el dispositivo nuevo empieza con lo que se diga a partir de ahora.',
  'history.sent': 'Se enviaron {what} al dispositivo nuevo, cifrados de extremo a extremo.',
  'history.received': 'Se recibieron {what} de tu otro dispositivo.',
  'history.noneSent':
    'No se envía historial: el dispositivo nuevo empieza con lo que se diga a partir de ahora.',
  'history.preparing': 'Preparando tu historial…',
  'history.sending': 'Enviando tu historial… {percent}',
  'history.waiting':
    'Esperando tu historial desde tu otro dispositivo (hasta {minutes, plural, one {# minuto} other {# minutos}})…',
  'history.receiving': 'Recibiendo tu historial… {percent}',
  'history.noneCame':
    'No llegó historial de tu otro dispositivo: este dispositivo empieza con un historial vacío.',
  'reset.title': 'Restablecer mi identidad',
  'reset.busy': 'Restableciendo…',
  'reset.intro':
    'Solo si perdiste <b>todos los dispositivos</b> de tu cuenta <b>y</b> tu copia de seguridad o su clave de recuperación. Tu cuenta recibe una nueva clave de identidad y este navegador pasa a ser su único dispositivo:',
  'reset.costDevices': 'todos los demás dispositivos de la cuenta se desconectan para siempre;',
  'reset.costHistory': 'tu historial y las claves verificadas de tus contactos no vuelven;',
  'reset.costContacts':
    'todas las personas con las que hablas reciben un aviso de que tu número de seguridad cambió, y deberían compararlo contigo de nuevo.',
  'reset.understood':
    'Entiendo: una identidad nueva, mis dispositivos antiguos desconectados, mis contactos avisados',
  'restore.submit': 'Restaurar mi cuenta',
  'restore.busy': 'Restaurando…',
  'restore.intro':
    'Tu archivo de copia y su clave de recuperación devuelven tu identidad, tus contactos y tu historial hasta la copia. Este navegador pasa a ser un dispositivo nuevo de tu cuenta; tus contactos no ven ningún cambio de clave.',
  'restore.file': 'Archivo de la copia',
  'restore.keyNote':
    'Las 64 letras y cifras que se mostraron al hacer la copia; los espacios y guiones no importan.',
  'block.what':
    'Los mensajes que {accountId} envíe a partir de ahora se descartan en este dispositivo, y los que se muestran aquí se ocultan. Un chat solo con {accountId} sale de tu lista; en los grupos sigues, pero ya no ves lo que escribe. Dejáis de ver cuándo está conectado el otro (para eso el servidor conoce tu lista de bloqueos; a {accountId} no se le dice nada).',
  'block.thisDevice':
    'El bloqueo solo se guarda en este dispositivo (tus otros dispositivos bloquean por su cuenta). Desbloquea en Privacidad.',
  'block.button': 'Bloquear a {accountId}',
  'report.sent': 'Denuncia enviada. El operador del servidor ya puede leerla y decidir qué hacer.',
  'report.done': 'Hecho',
  'report.what':
    'Solo {file, select, yes {el nombre, el tipo y el tamaño de este archivo} other {el texto de este mensaje}}, quién lo envió y cuándo, y tu motivo se muestran al operador de tu servidor. Nada más de esta conversación sale de tu dispositivo.',
  'report.reason': 'Motivo (obligatorio)',
  'report.count': '{count} de {max} caracteres',
  'report.sending': 'Enviando…',
  'report.send': 'Enviar denuncia',
  'blocked.heading': 'Personas bloqueadas',
  'blocked.none': 'No has bloqueado a nadie.',
  'blocked.unblock': 'Desbloquear',
  'export.heading': 'Tu historial',
  'export.intro':
    'Descarga los mensajes guardados en este dispositivo, descifrados, para conservarlos en otro lugar. Cualquiera que consiga el archivo puede leerlos.',
  'export.download': 'Descargar mi historial',
  'export.again': 'Preparar de nuevo',
  'export.json': 'Descargar como JSON',
  'export.html': 'Descargar como página web',
  'safety.compare':
    'Compara estos números con <b>{contact}</b>, en persona o en una llamada de confianza, o escanead el código del otro. Si coinciden, nadie, ni siquiera el servidor, está entre vosotros.',
  'safety.qr': 'Código QR del número de seguridad con {contact}',
  'safety.verified': 'Has verificado a {contact}.',
  'safety.markVerified': 'Marcar como verificado',
  'timer.label': 'Mensajes temporales',
  'timer.off': 'Desactivado',
  'timer.after': 'Tras {duration}',
  'timer.note':
    'Los mensajes nuevos desaparecen de los dispositivos de todos y del servidor ese tiempo después de enviarse. Cualquiera en la conversación puede cambiarlo.',
  'devices.title': 'Tus dispositivos',
  'devices.intro':
    'Los dispositivos de tu cuenta: navegadores y ordenadores donde has iniciado sesión. Confirma con tu contraseña.',
  'devices.show': 'Mostrar dispositivos',
  'delete.title': 'Eliminar mi cuenta',
  'delete.intro':
    'Esto abandona todas las conversaciones (los demás ven salir a {me}), elimina del servidor la cuenta, sus dispositivos y los archivos que enviaste, y borra las claves y el historial de este dispositivo. No se puede deshacer; tu nombre queda reservado un tiempo y luego cualquiera puede tomarlo. Descarga antes tu historial (Privacidad) si quieres conservarlo.',
  'delete.submit': 'Eliminar mi cuenta definitivamente',
  'newChat.noOne': 'Escribe al menos otro nombre de usuario.',
  'newChat.onePerson': 'Un chat es con una persona; crea un grupo para más.',
  'members.title': 'Miembros de {title}',
  'safety.title': 'Número de seguridad con {contact}',
  'identity.title': 'El número de seguridad de {contact} ha cambiado',
  'identity.newNumber': 'El nuevo número de seguridad (compáralo con {contact} antes de aceptar):',
  'identity.presentedEarlier':
    'La nueva clave se presentó antes de cargar esta página: acéptala y después compara el número de seguridad desde la conversación antes de marcar a {contact} como verificado.',
  'block.title': '¿Bloquear a {accountId}?',
  'report.title': 'Denunciar un mensaje de {accountId}',
  'check.groupNameEmpty': 'Escribe un nombre para el grupo.',
  'check.groupNameLong': 'Ese nombre de grupo es demasiado largo.',
  'check.textLong': 'Ese mensaje es demasiado largo: envíalo por partes.',
  'check.tooManyPeople': 'Como máximo {max} personas a la vez.',
  'file.notSent': '«{name}» no se envió: {reason}.',
  'safety.noConversation': 'Aún no tienes ninguna conversación con {accountId}.',
  'reset.tick': 'Marca la casilla para indicar que entiendes lo que hace un restablecimiento.',
  'reset.holdsDevice': 'Este navegador guarda un dispositivo de {username}: inicia sesión con él.',
  'restore.chooseFile': 'Elige tu archivo de copia.',
  'restore.fileTooLarge': 'Ese archivo es mayor que cualquier copia de Parley.',
  'restore.typeKey': 'Escribe la clave de recuperación.',
  'restore.keyTooLong': 'Esa clave de recuperación es demasiado larga.',
  'restore.holdsDevice':
    'Este navegador ya guarda un dispositivo de {accountId}: inicia sesión, o cierra la sesión y borra antes sus datos.',
  'check.usernameLong': 'Los nombres de usuario tienen como máximo {max} caracteres.',
  'check.usernameInvalid': 'Nombre de usuario: {reason}.',
  'check.passwordShort': 'Elige una contraseña de al menos {min} caracteres.',
  'check.passwordLong': 'Esa contraseña es demasiado larga.',
  'check.passwordEmpty': 'Escribe tu contraseña.',
  'check.secretEmpty':
    '{what, select, invite {Escribe el código de invitación.} other {Escribe la contraseña de acceso.}}',
  'check.secretLong':
    '{what, select, invite {Ese código de invitación es demasiado largo.} other {Esa contraseña de acceso es demasiado larga.}}',
  'session.otherTab':
    'Parley ya está abierto en otra pestaña de este navegador. Usa esa pestaña, o ciérrala y recarga esta.',
  'session.noDevice': 'Este navegador no guarda ningún dispositivo de esa cuenta.',
  'session.linkCodeNeeded':
    'Este navegador aún no guarda ningún dispositivo de {username}. En un dispositivo con la sesión iniciada, elige «Vincular un dispositivo» y escribe aquí el código que muestra.',
  'session.linkCodeUnknown':
    'Ese código de vinculación es desconocido, ya se usó o caducó. Pide uno nuevo a tu otro dispositivo.',
  'session.linkCodeShape': 'Un código de vinculación tiene {count} letras y cifras.',
  'session.linkCodeOtherAccount': 'Ese código de vinculación es de otra cuenta.',
  'session.historyFailed':
    'No se pudo recibir tu historial ({error}). Este navegador ya es un dispositivo de {accountId}: vuelve a iniciar sesión para usarlo, con un historial vacío.',
  'session.firstDeviceOnly':
    'Solo el primer dispositivo de la cuenta (el que guarda su clave de identidad) puede vincular dispositivos.',
  'system.you': 'tú',
  'system.byUnknown': 'Un dispositivo cuya firma no se pudo verificar',
  'system.byMine': 'Tu dispositivo {device}',
  'system.byOther': 'El dispositivo {device} de {account}',
  'system.joined': '{count, plural, one {{names} se unió} other {{names} se unieron}}',
  'system.left':
    '{count, plural, one {{names} ya no está en la conversación} other {{names} ya no están en la conversación}}',
  'system.removedBy': '{by} te quitó de la conversación',
  'system.youLeft': 'ya no estás en la conversación',
  'system.timerOff':
    '{mine, select, yes {desactivaste los mensajes temporales} other {{who} desactivó los mensajes temporales}}',
  'system.timerSet':
    '{mine, select, yes {fijaste los mensajes temporales en {duration}} other {{who} fijó los mensajes temporales en {duration}}}',
  'system.repaired':
    '{by} envió un cambio que no se pudo aplicar; esta conversación se reparó.{missed, plural, =0 {} one { # mensaje o cambio enviado mientras tanto no se pudo leer.} other { # mensajes o cambios enviados mientras tanto no se pudieron leer.}}',
  'system.broken':
    '{by} envió un cambio que no se pudo aplicar, y esta conversación no se pudo reparar: sus miembros pueden seguir escribiendo, pero no se puede añadir ni quitar a nadie hasta que pase a un grupo nuevo sin ese dispositivo.',
  'system.accountDeleted': 'la cuenta de {account} fue eliminada',
  'system.renamed': 'el grupo pasó a llamarse «{name}»',
  'system.resetUnknown': 'Esta conversación no se pudo reparar y se trasladó a un grupo nuevo.',
  'system.reset':
    '{by} envió un cambio que no se pudo aplicar; esta conversación se trasladó a un grupo nuevo sin {mine, select, yes {tu cuenta} other {{account}}}.',
};
