/** Español: the SDK’s errors by their stable codes (web/src/i18n/errors.ts) (./errors.en.ts). */
import type { enErrors } from './errors.en.js';

export const esErrors: Record<keyof typeof enErrors, string> = {
  'error.decode_error': 'Algo recibido no se pudo leer.',
  'error.too_large': 'Es demasiado largo.',
  'error.bad_signature': 'Una firma no era válida, así que lo firmado no se aceptó.',
  'error.decrypt_failed': 'Un mensaje no se pudo descifrar.',
  'error.wrong_key': 'Contraseña incorrecta. Los datos guardados no se pudieron desbloquear con ella.',
  'error.credential_not_certified':
    'Un dispositivo no está certificado por la clave de identidad de su cuenta.',
  'error.credential_expired': 'El certificado de un dispositivo ha caducado.',
  'error.device_revoked': 'Ese dispositivo ha sido revocado.',
  'error.identity_key_mismatch': 'Un número de seguridad ha cambiado. Revisa el aviso antes de continuar.',
  'error.identity_rejected': 'No se aceptó la identidad de un dispositivo.',
  'error.unexpected_account': 'Un dispositivo pertenece a otra cuenta de la esperada.',
  'error.wrong_group': 'Un mensaje era para otra conversación.',
  'error.wrong_epoch': 'La conversación no dejaba de cambiar. Inténtalo de nuevo.',
  'error.replayed_message': 'Un mensaje llegó dos veces. Se ignoró la copia.',
  'error.invalid_message': 'Un mensaje no era válido y no se aceptó.',
  'error.invalid_commit': 'No se aceptó un cambio en la conversación. Inténtalo de nuevo.',
  'error.unsupported': 'Este servidor no admite eso.',
  'error.invalid_request': 'El servidor no aceptó la solicitud.',
  'error.username_taken':
    'Ese nombre de usuario está ocupado o se parece demasiado a uno ocupado. Elige otro.',
  'error.username_quarantined':
    'Ese nombre de usuario perteneció a una cuenta eliminada hace poco, o se parece demasiado a uno así. Queda reservado un tiempo tras la eliminación; elige otro.',
  'error.fresh_login_required':
    'Para eliminar una cuenta hace falta un inicio de sesión de los últimos minutos. Vuelve a iniciar sesión con tu contraseña y elimínala después.',
  'error.access_denied': 'Contraseña de acceso o código de invitación incorrectos.',
  'error.invite_used': 'Este código de invitación ya se ha usado.',
  'error.forbidden': 'El servidor no ofrece eso a este cliente.',
  'error.invalid_credentials': 'Nombre de usuario o contraseña incorrectos.',
  'error.login_expired': 'El inicio de sesión tardó demasiado. Inténtalo de nuevo.',
  'error.unauthorized': 'La sesión con el servidor ha terminado. Vuelve a iniciar sesión.',
  'error.not_found': 'El servidor no tiene esa cuenta, dispositivo o código.',
  'error.invalid_certificate': 'El servidor no aceptó un certificado de dispositivo.',
  'error.device_exists': 'Ese dispositivo ya está registrado.',
  'error.rate_limited': 'Demasiados intentos; espera un minuto. Después inténtalo de nuevo.',
  'error.payload_too_large': 'Es demasiado largo.',
  'error.blob_not_found': 'Ese adjunto ya no está en el servidor.',
  'error.account_disabled':
    'Esta cuenta está desactivada en este servidor. Su operador la desactivó; pregúntale por qué.',
  'error.internal': 'El servidor tuvo un problema. Inténtalo más tarde.',
  'error.unauthenticated': 'La conexión con el servidor aún no ha iniciado sesión. Inténtalo de nuevo.',
  'error.auth_failed':
    'El servidor ya no acepta este dispositivo (fue revocado). Vincúlalo de nuevo desde uno de tus otros dispositivos.',
  'error.invalid_key_package': 'El servidor no aceptó los paquetes de claves de este dispositivo.',
  'error.too_many_key_packages': 'El servidor ya guarda suficientes paquetes de claves de este dispositivo.',
  'error.group_exists': 'Esa conversación ya existe.',
  'error.wrong_sender':
    'El servidor rechazó un mensaje que no se envió desde el lugar propio de este dispositivo en el grupo.',
  'error.duplicate_message_id': 'Ese mensaje ya se envió.',
  'error.invalid_expiry': 'Un mensaje temporal tenía una caducidad que el servidor no acepta.',
  'error.blob_invalid': 'Un adjunto no se pudo enviar con el mensaje. Inténtalo de nuevo.',
  'error.offline': 'Sin conexión con el servidor. Se volverá a intentar automáticamente.',
  'error.timeout': 'Sin conexión con el servidor. Se volverá a intentar automáticamente.',
  'error.closed': 'La conexión con el servidor se cerró.',
  'error.protocol':
    'No se entendió la respuesta del servidor. ¿Es un servidor Parley de una versión compatible?',
  'error.wrong_password': 'Nombre de usuario o contraseña incorrectos.',
  'error.transfer_failed': 'El archivo no se pudo transferir. Inténtalo de nuevo.',
  'error.wrong_recovery_key':
    'Esta clave de recuperación no abre esta copia. Compárala con la que apuntaste al hacer la copia.',
  'error.history_invalid':
    'El historial enviado desde tu otro dispositivo no se pudo leer (dañado o alterado). No se guardó nada; este dispositivo empieza con un historial vacío.',
  'error.log_invalid':
    'El registro de claves del servidor no superó la comprobación (una cabecera o prueba que no se verifica). No se confió en nada de lo que avalaba.',
  'error.key_not_logged':
    'El servidor entregó una clave que no pudo mostrar en su registro público de claves. No se confió en la clave: puede que el servidor intente suplantar a alguien.',
  'error.deletion_not_logged':
    'El servidor dijo que se eliminó la cuenta de alguien, pero no pudo mostrarlo en su registro público de claves. No se quitó a nadie: el servidor podría estar intentando sacar a esa persona de tus conversaciones.',
  'error.log_split_view':
    'El servidor mostró dos historiales distintos de su registro de claves. Puede que esté mostrando claves distintas a personas distintas. Comparad los números de seguridad en persona.',
  'error.unreachable': 'No se puede conectar con el servidor. Comprueba tu conexión e inténtalo de nuevo.',
  'errorLead.credential_invalid': 'La credencial de un dispositivo no es válida: {detail}.',
  'errorLead.not_a_member': 'No eres miembro de esta conversación: {detail}.',
  'errorLead.no_key_packages':
    'Todavía no se puede añadir a esta persona: {detail}. Debe iniciar sesión una vez con una aplicación actualizada, o inicia la conversación sin cifrado poscuántico.',
  'errorLead.usage': 'Eso no se puede hacer aquí: {detail}.',
  'errorLead.invalid_username': 'Ese nombre de usuario no está permitido: {detail}.',
  'errorLead.limit_reached': 'Se alcanzó un límite de este servidor: {detail}.',
  'errorLead.untrusted_certificate':
    'El certificado del servidor no es de confianza: {detail}. Si es tu servidor, compara la huella de su certificado y confía en él explícitamente.',
  'errorLead.invalid_config': 'La configuración del servidor no es válida: {detail}.',
  'errorLead.attachment_too_large': 'El archivo es demasiado grande: {detail}.',
  'errorLead.attachment_quota_exceeded':
    'Tu espacio para archivos en este servidor está lleno: {detail}. Los archivos que enviaste salen del servidor con sus mensajes; borrar uno libera su espacio.',
  'errorLead.recovery_key_invalid': 'La clave de recuperación no es válida: {detail}.',
  'errorLead.backup_invalid': 'El archivo de copia de seguridad no se puede usar: {detail}.',
};
