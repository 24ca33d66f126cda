/** The dialogs of the person's safety tools over a conversation: confirm a block, report a message. */
import { Dialog } from '../components/Dialog.js';
import { BlockConfirm, ReportForm } from '../components/Safety.js';
import { t } from '../i18n/t.js';
import type { ChatModel } from './chatModel.js';
import type { PanelControl } from './panel.js';

export function SafetyDialogs({ model, control }: { model: ChatModel; control: PanelControl }) {
  const { panel, setPanel, close, busy, error, run } = control;
  if (panel?.kind === 'block')
    return (
      <Dialog title={t('block.title', { accountId: panel.accountId })} onClose={close}>
        <BlockConfirm
          accountId={panel.accountId}
          busy={busy}
          error={error}
          onCancel={close}
          onBlock={() =>
            void run(async () => {
              await model.block(panel.accountId);
              close();
            })
          }
        />
      </Dialog>
    );
  if (panel?.kind === 'report')
    return (
      <Dialog title={t('report.title', { accountId: panel.message.from.accountId })} onClose={close}>
        <ReportForm
          message={panel.message}
          reportId={panel.reportId}
          busy={busy}
          error={error}
          onDone={close}
          onReport={(reason) =>
            void run(async () => {
              const reportId = await model.report(panel.groupId, panel.message.id, reason);
              setPanel({ ...panel, reportId });
            })
          }
        />
      </Dialog>
    );
  return null;
}
