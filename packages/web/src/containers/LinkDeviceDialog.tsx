/**
 * The "Link a device" dialog: offers the new device (its code shown at once), then sends it the
 * history chosen, the progress shown under the code. Closing the dialog does not stop the sending.
 */
import { useEffect, useRef, useState } from 'react';
import { Dialog } from '../components/Dialog.js';
import { LinkDevicePanel } from '../components/LinkDevice.js';
import { type HistoryChoice, historySince } from '../history.js';
import { t } from '../i18n/t.js';
import { explain, type LinkOffer } from '../session.js';
import type { PanelControl } from './panel.js';

interface Props {
  me: string;
  control: PanelControl;
  onLinkDevice: (password: string, since: number | null) => Promise<LinkOffer>;
}

export function LinkDeviceDialog({ me, control, onLinkDevice }: Props) {
  const { close, busy, error, run } = control;
  const [offer, setOffer] = useState<{ code: string; expiresAt: number } | undefined>();
  const [history, setHistory] = useState<string | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  // Progress reported after the dialog closed goes nowhere.
  const open = useRef(true);
  useEffect(
    () => () => {
      open.current = false;
    },
    [],
  );
  const report = (text: string) => {
    if (open.current) setHistory(text);
  };
  const submit = (password: string, choice: HistoryChoice) =>
    void run(async () => {
      const made = await onLinkDevice(password, historySince(choice));
      setOffer({ code: made.code, expiresAt: made.expiresAt });
      made
        .sendHistory(report)
        .then(report)
        .catch((e: unknown) => {
          if (open.current) setFailed(t('link.historyFailed', { error: explain(e) }));
        });
    });
  return (
    <Dialog title={t('menu.linkDevice')} onClose={close}>
      <LinkDevicePanel
        code={offer?.code}
        expiresAt={offer?.expiresAt}
        me={me}
        history={history}
        busy={busy}
        error={failed ?? error}
        onSubmit={submit}
      />
    </Dialog>
  );
}
