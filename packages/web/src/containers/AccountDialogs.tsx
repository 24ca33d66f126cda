/**
 * The chat screen's dialogs about the account: link a device, list and revoke devices, privacy
 * (presence, blocked people, downloading the history), log out, delete the account.
 */
import type { HistoryExport, NewBackup } from '@parley/client';
import { useEffect, useRef } from 'react';
import { BackupSection } from '../components/Backup.js';
import { DeviceList } from '../components/DeviceList.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorText, PasswordForm } from '../components/Forms.js';
import { LanguageSelect } from '../components/LanguageSelect.js';
import { BlockedList, HistoryDownload } from '../components/Safety.js';
import { t } from '../i18n/t.js';
import type { DeviceManager, LinkOffer } from '../session.js';
import { LinkDeviceDialog } from './LinkDeviceDialog.js';
import type { Panel, PanelControl } from './panel.js';

export interface AccountActions {
  /** This device holds the account's identity key, so it can link new devices. */
  canLinkDevices: boolean;
  /** Offer a new device; `since`: how far back the history sent to it goes (null: none). */
  onLinkDevice: (password: string, since: number | null) => Promise<LinkOffer>;
  /** Open the devices dialog's server session (the password confirms it is the person). */
  onManageDevices: (password: string) => Promise<DeviceManager>;
  onLogout: (removeData: boolean) => Promise<void>;
  /** Leave every conversation and delete the account (the password signs in afresh for it). */
  onDeleteAccount: (password: string) => Promise<void>;
  /** Set (or, with null, read) whether the account shares its presence; resolves to the setting. */
  onPresenceSharing: (share: boolean | null) => Promise<boolean>;
}

/** The Privacy dialog's safety tools. */
export interface SafetyActions {
  /** The accounts blocked on this device. */
  blocked: readonly string[];
  onUnblock: (accountId: string) => Promise<void>;
  onExport: () => Promise<{ data: HistoryExport; html: string }>;
  /** Make an encrypted backup and its recovery key (the account's first device only). */
  onBackup: () => Promise<NewBackup>;
  canBackUp: boolean;
}

interface Props extends AccountActions {
  me: string;
  safety: SafetyActions;
  control: PanelControl;
}

export function AccountDialogs({
  me,
  control,
  canLinkDevices,
  onLinkDevice,
  onManageDevices,
  onLogout,
  onDeleteAccount,
  onPresenceSharing,
  safety,
}: Props) {
  const { panel, setPanel, close: closePanel, busy, error, run } = control;
  return (
    <>
      {panel?.kind === 'link' && <LinkDeviceDialog me={me} control={control} onLinkDevice={onLinkDevice} />}

      {panel?.kind === 'devices' && (
        <Dialog title={t('devices.title')} onClose={closePanel}>
          {panel.manager === undefined || panel.devices === undefined ? (
            <PasswordForm
              intro={t('devices.intro')}
              submitLabel={t('devices.show')}
              busy={busy}
              error={error}
              onSubmit={(password) =>
                void run(async () => {
                  const manager = await onManageDevices(password);
                  setPanel({ kind: 'devices', manager, devices: manager.devices });
                })
              }
            />
          ) : (
            <DeviceList
              devices={panel.devices}
              canRevoke={canLinkDevices}
              busy={busy}
              error={error}
              onRevoke={(deviceId) =>
                void run(async () => {
                  const devices = await panel.manager!.revoke(deviceId);
                  setPanel({ ...panel, devices });
                })
              }
            />
          )}
        </Dialog>
      )}

      {panel?.kind === 'deleteAccount' && (
        <Dialog title={t('delete.title')} onClose={closePanel}>
          <PasswordForm
            intro={t('delete.intro', { me })}
            submitLabel={t('delete.submit')}
            busy={busy}
            error={error}
            onSubmit={(password) => void run(() => onDeleteAccount(password))}
          />
        </Dialog>
      )}

      {panel?.kind === 'privacy' && (
        <PrivacyDialog
          share={panel.share}
          control={control}
          onPresenceSharing={onPresenceSharing}
          safety={safety}
        />
      )}

      {panel?.kind === 'logout' && (
        <Dialog title={t('menu.logout')} onClose={closePanel}>
          <div className="stack">
            <p>{t('logout.intro')}</p>
            <ErrorText error={error} />
            <div className="row">
              <button type="button" disabled={busy} onClick={() => void run(() => onLogout(false))}>
                {t('menu.logout')}
              </button>
              <button
                type="button"
                className="danger"
                disabled={busy}
                onClick={() => void run(() => onLogout(true))}
              >
                {t('logout.remove')}
              </button>
            </div>
            <button
              type="button"
              className="link"
              disabled={busy}
              onClick={() => setPanel({ kind: 'deleteAccount' })}
            >
              {t('logout.deleteAccount')}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** The header's buttons that open the account's dialogs. */
export function AccountButtons({
  canLinkDevices,
  setPanel,
}: {
  canLinkDevices: boolean;
  setPanel: (panel: Panel) => void;
}) {
  return (
    <>
      <button type="button" onClick={() => setPanel({ kind: 'devices' })}>
        {t('menu.devices')}
      </button>
      {canLinkDevices && (
        <button type="button" onClick={() => setPanel({ kind: 'link' })}>
          {t('menu.linkDevice')}
        </button>
      )}
      <button type="button" onClick={() => setPanel({ kind: 'privacy' })}>
        {t('menu.privacy')}
      </button>
      <button type="button" onClick={() => setPanel({ kind: 'logout' })}>
        {t('menu.logout')}
      </button>
    </>
  );
}

interface PrivacyProps {
  /** The setting as the server last said (undefined until it has). */
  share: boolean | undefined;
  control: PanelControl;
  onPresenceSharing: AccountActions['onPresenceSharing'];
  safety: SafetyActions;
}

/** "Share when I'm online": read from the server when the dialog opens, switched at once. */
function PrivacyDialog({ share, control, onPresenceSharing, safety }: PrivacyProps) {
  const { setPanel, close, busy, error, run } = control;
  const loaded = share !== undefined;
  const asked = useRef(false);
  useEffect(() => {
    if (loaded || asked.current) return;
    asked.current = true;
    void run(async () => setPanel({ kind: 'privacy', share: await onPresenceSharing(null) }));
  }, [loaded, run, setPanel, onPresenceSharing]);
  const change = (wanted: boolean) => {
    // Shown at once; put back if the server does not take it.
    setPanel({ kind: 'privacy', share: wanted });
    void run(async () => {
      try {
        setPanel({ kind: 'privacy', share: await onPresenceSharing(wanted) });
      } catch (failure) {
        setPanel({ kind: 'privacy', share: !wanted });
        throw failure;
      }
    });
  };
  return (
    <Dialog title={t('menu.privacy')} onClose={close}>
      <div className="stack">
        <p>{t('privacy.intro')}</p>
        <label className="toggle">
          <input
            type="checkbox"
            checked={share === true}
            disabled={busy || !loaded}
            onChange={(e) => change(e.currentTarget.checked)}
          />
          {t('privacy.share')}
        </label>
        <LanguageSelect />
        <BlockedList
          blocked={safety.blocked}
          busy={busy}
          onUnblock={(accountId) => void run(() => safety.onUnblock(accountId))}
        />
        <HistoryDownload busy={busy} onExport={safety.onExport} run={run} />
        <BackupSection canBackUp={safety.canBackUp} busy={busy} onBackup={safety.onBackup} run={run} />
        <ErrorText error={error} />
      </div>
    </Dialog>
  );
}
