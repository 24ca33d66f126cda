/** The header's offer to turn on browser notifications, while the person has not decided. */
import { useState } from 'react';
import { t } from '../i18n/t.js';
import { notificationsSupported } from './browserSignals.js';

export function NotificationsButton() {
  const [permission, setPermission] = useState(() =>
    notificationsSupported() ? Notification.permission : 'denied',
  );
  if (permission !== 'default') return null;
  return (
    <button type="button" onClick={() => void Notification.requestPermission().then((p) => setPermission(p))}>
      {t('notifications.enable')}
    </button>
  );
}
