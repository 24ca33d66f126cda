/** The chat screen's banners: key transparency warnings first, then the connection's state. */
import { useSyncExternalStore } from 'react';
import { ConnectionBanner } from '../components/Forms.js';
import { KeyWarnings as KeyWarningsView } from '../components/KeyWarnings.js';
import type { KeyWarnings } from './keyWarnings.js';

interface Props {
  warnings: KeyWarnings;
  connection: string;
  syncError: string | undefined;
}

export function Banners({ warnings, connection, syncError }: Props) {
  const state = useSyncExternalStore(warnings.subscribe, warnings.getSnapshot);
  // A split view is its own warning, not a catch-up that failed.
  const error = syncError === 'log_split_view' ? undefined : syncError;
  return (
    <>
      <KeyWarningsView state={state} onHideSplit={warnings.hideSplit} onHideAlerts={warnings.hideAlerts} />
      <ConnectionBanner state={connection} syncError={error} />
    </>
  );
}
