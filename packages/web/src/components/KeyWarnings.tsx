/**
 * The key transparency warnings (issue #21), each distinct and on screen until hidden: the server
 * showed this device a split view of its key log, or a key none of the account's devices made was
 * published for it. What happened, what it means, what to do (pure view).
 */
import type { KeyAlertWarning, KeyWarningState } from '../containers/keyWarnings.js';
import { t } from '../i18n/t.js';

interface Props {
  state: KeyWarningState;
  onHideSplit: () => void;
  onHideAlerts: () => void;
}

export function KeyWarnings({ state, onHideSplit, onHideAlerts }: Props) {
  return (
    <>
      {state.split !== null && (
        <div className="key-warning" role="alert" data-testid="split-view-warning">
          <strong>{t('keyWarning.splitTitle')}</strong>
          <p>{t('keyWarning.split', { source: state.split.source })}</p>
          <p>{t('keyWarning.splitAdvice')}</p>
          <button type="button" onClick={onHideSplit}>
            {t('keyWarning.hide')}
          </button>
        </div>
      )}
      {state.alerts.length > 0 && (
        <div className="key-warning" role="alert" data-testid="key-alert-warning">
          <strong>{t('keyWarning.alertTitle', { count: state.alerts.length })}</strong>
          <ul>
            {state.alerts.map((a) => (
              <li key={a.index}>{alertLine(a)}</li>
            ))}
          </ul>
          <p>{t('keyWarning.alertMeaning')}</p>
          <p>{t('keyWarning.alertAdvice')}</p>
          <button type="button" onClick={onHideAlerts}>
            {t('keyWarning.hide')}
          </button>
        </div>
      )}
    </>
  );
}

function alertLine(a: KeyAlertWarning): string {
  return a.kind === 'device_certified'
    ? t('keyWarning.alertDevice', { device: a.deviceId ?? '?' })
    : t('keyWarning.alertIdentity');
}
