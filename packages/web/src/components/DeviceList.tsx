/** The account's devices with their names, platforms and dates; the others can be revoked (pure view). */
import type { OwnDevice } from '@parley/client';
import { useEffect, useRef, useState } from 'react';
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
  if (d.current) return 'this device';
  const seen = d.lastSeen === null ? 'not connected yet' : `last seen ${formatMoment(d.lastSeen)}`;
  if (d.revokedAt !== null) return `revoked ${formatDate(d.revokedAt)} · ${seen}`;
  return d.online ? 'online now' : seen;
}

/** The account's devices; the others can be revoked (after a second click to confirm). */
export function DeviceList({ devices, canRevoke, busy, error, onRevoke }: DeviceListProps) {
  const [confirming, setConfirming] = useState<string | undefined>();
  // The list replaces the password form that had focus: focus goes to the list, not the page.
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => list.current?.focus(), []);
  return (
    <div className="stack">
      <ul className="devices" aria-label="Devices" ref={list} tabIndex={-1}>
        {devices.map((d) => {
          const name = d.label?.name ?? 'Unnamed device';
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
                added {formatDate(d.addedAt)} · {whereabouts(d)}
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
                    Revoke {name} for good
                  </button>
                ) : (
                  <button
                    type="button"
                    className="device-action"
                    disabled={busy}
                    onClick={() => setConfirming(d.deviceId)}
                  >
                    Revoke
                  </button>
                ))}
            </li>
          );
        })}
      </ul>
      <p className="muted small">
        {canRevoke
          ? 'A revoked device can no longer connect, and your conversations drop it. Revoke a device you lost or no longer use.'
          : 'Only your first device (the one that holds your identity key) can revoke devices.'}
      </p>
      <ErrorText error={error} />
    </div>
  );
}
