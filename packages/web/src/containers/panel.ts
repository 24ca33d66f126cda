/**
 * The chat screen's one open dialog (a value naming it and what it shows) and the state around
 * running its actions: busy while one runs, the error it ended with as a sentence.
 */
import type { ChatMessage, OwnDevice } from '@parley/client';
import type { SafetyNumber } from '@parley/core';
import { useCallback, useState } from 'react';
import { type DeviceManager, explain } from '../session.js';

export type Panel =
  | { kind: 'new-chat' }
  | { kind: 'new-group' }
  | { kind: 'members' }
  | { kind: 'safety'; accountId: string; number: SafetyNumber; verified: boolean }
  | { kind: 'logout' }
  | { kind: 'deleteAccount' }
  | { kind: 'link' }
  | { kind: 'devices'; manager?: DeviceManager; devices?: OwnDevice[] }
  /** Presence sharing; `share` once the server said how it is set. */
  | { kind: 'privacy'; share?: boolean }
  /** The confirmation before blocking an account. */
  | { kind: 'block'; accountId: string }
  /** Reporting a message of conversation `groupId`; `reportId` once the server took the report. */
  | { kind: 'report'; groupId: string; message: ChatMessage; reportId?: string };

export interface PanelControl {
  panel: Panel | undefined;
  setPanel: (panel: Panel | undefined) => void;
  /** Close the dialog (ending the devices dialog's server session) and forget its error. */
  close: () => void;
  /** Close whatever dialog is open and forget its error (the same function every render). */
  dismiss: () => void;
  busy: boolean;
  error: string | undefined;
  /** Run an action of the dialog: busy meanwhile, its failure shown as the dialog's error. */
  run: (work: () => Promise<void>) => Promise<void>;
}

export function usePanel(): PanelControl {
  const [panel, setPanel] = useState<Panel | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const dismiss = useCallback(() => {
    setPanel(undefined);
    setError(undefined);
  }, []);
  return {
    panel,
    setPanel,
    busy,
    error,
    dismiss,
    close: () => {
      if (panel?.kind === 'devices') void panel.manager?.close();
      setPanel(undefined);
      setError(undefined);
    },
    run: async (work) => {
      setBusy(true);
      setError(undefined);
      try {
        await work();
      } catch (e) {
        setError(explain(e));
      } finally {
        setBusy(false);
      }
    },
  };
}
