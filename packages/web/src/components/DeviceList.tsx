/** The account's devices with their names, platforms and dates; the others can be revoked (pure view). */
import type { OwnDevice } from '@parley/client';
import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n/t.js';
import { formatDate, formatMoment } from '../time.js';
import { ErrorText } from './Forms.js';

interface DeviceListProps {
  devices: OwnDevice[];
  /** This device holds the identity key: it can revoke the others. */
  canRevoke: boolean;
  busy: boolean;
  error: string | undefined;
  onRevoke: (deviceId: string) => void;
}

/** Where the device is now: this one, connected, or when it was last seen. */
function whereabouts(d: OwnDevice): string {
  if (d.current) return t('devices.thisDevice');
  const seen =
    d.lastSeen === null
      ? t('devices.notConnected')
      : t('devices.lastSeen', { when: formatMoment(d.lastSeen) });
  if (d.revokedAt !== null) return `${t('devices.revoked', { date: formatDate(d.revokedAt) })} · ${seen}`;
  return d.online ? t('devices.onlineNow') : seen;
}

/** The account's devices; the others can be revoked (after a second click to confirm). */
export function DeviceList({ devices, canRevoke, busy, error, onRevoke }: DeviceListProps) {
  const [confirming, setConfirming] = useState<string | undefined>();
  // The list replaces the password form that had focus: focus goes to the list, not the page.
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => list.current?.focus(), []);
  return (
    <div className="stack">
      <ul className="devices" aria-label={t('menu.devices')} ref={list} tabIndex={-1}>
        {devices.map((d) => {
          const name = d.label?.name ?? t('devices.unnamed');
          return (
            <li key={d.deviceId} data-testid={`device-${d.deviceId}`}>
              <span className="device-name">
                <strong>{name}</strong>
                <span className="muted small">
                  {d.label?.platform && `${d.label.platform} · `}
                  <span className="device-id">{d.deviceId}</span>
                </span>
              </span>
              <span className="muted small">
                {t('devices.added', { date: formatDate(d.addedAt) })} · {whereabouts(d)}
              </span>
              {canRevoke &&
                !d.current &&
                d.revokedAt === null &&
                (confirming === d.deviceId ? (
                  <button
                    type="button"
                    className="danger device-action"
                    disabled={busy}
                    onClick={() => {
                      setConfirming(undefined);
                      onRevoke(d.deviceId);
                    }}
                  >
                    {t('devices.revokeForGood', { name })}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="device-action"
                    disabled={busy}
                    onClick={() => setConfirming(d.deviceId)}
                  >
                    {t('devices.revoke')}
                  </button>
                ))}
            </li>
          );
        })}
      </ul>
      <p className="muted small">{canRevoke ? t('devices.revokeNote') : t('devices.firstDeviceOnly')}</p>
      <ErrorText error={error} />
    </div>
  );
}
