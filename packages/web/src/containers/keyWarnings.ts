/**
 * Key transparency warnings (issue #21) for React's useSyncExternalStore: the SDK's
 * `log_split_view` (the server showed this device a key log that cannot be the one others see) and
 * `key_alert` (the account's own monitoring found a key none of its devices made). Each stays on
 * screen until the person hides it, across reloads too: the SDK raises a key alert once (the entry
 * is then read), so what it found is kept in this browser's localStorage, per account. Only the
 * kind of the warning, the log index and a device id are kept: nothing secret.
 */
import type { KeyAlert, ParleyClient, SplitView } from '@parley/client';

/** A key none of the account's devices made, as kept and shown. */
export interface KeyAlertWarning {
  index: number;
  kind: KeyAlert['kind'];
  deviceId: string | null;
}

export interface KeyWarningState {
  /** The server showed two histories of its key log (who showed the other one). */
  split: { source: SplitView['source'] } | null;
  /** Keys published for this account that none of its devices made, by log index. */
  alerts: readonly KeyAlertWarning[];
}

const EMPTY: KeyWarningState = { split: null, alerts: [] };
/** At most this many alerts are kept (a server adding keys by the thousand is one warning anyway). */
const MAX_ALERTS = 20;
const MAX_STORED_CHARS = 8192;

function storageKey(accountId: string): string {
  return `parley.keyWarnings.${accountId}`;
}

/** What this browser kept for the account, validated (a bad or oversized entry is ignored). */
function load(accountId: string): KeyWarningState {
  try {
    const raw = globalThis.localStorage?.getItem(storageKey(accountId));
    if (raw === null || raw === undefined || raw.length > MAX_STORED_CHARS) return EMPTY;
    const v = JSON.parse(raw) as Partial<KeyWarningState>;
    const split =
      v.split !== null &&
      typeof v.split === 'object' &&
      (v.split.source === 'server' || v.split.source === 'gossip')
        ? { source: v.split.source }
        : null;
    const alerts = Array.isArray(v.alerts)
      ? v.alerts
          .filter(
            (a): a is KeyAlertWarning =>
              typeof a === 'object' &&
              a !== null &&
              Number.isSafeInteger(a.index) &&
              ['registered', 'identity_reset', 'device_certified'].includes(a.kind) &&
              (a.deviceId === null || (typeof a.deviceId === 'string' && a.deviceId.length <= 128)),
          )
          .slice(0, MAX_ALERTS)
      : [];
    return { split, alerts };
  } catch {
    return EMPTY; // storage refused, or not JSON
  }
}

function save(accountId: string, state: KeyWarningState): void {
  try {
    if (state.split === null && state.alerts.length === 0)
      globalThis.localStorage?.removeItem(storageKey(accountId));
    else globalThis.localStorage?.setItem(storageKey(accountId), JSON.stringify(state));
  } catch {
    // not kept: the warning still shows on this page
  }
}

export class KeyWarnings {
  private state: KeyWarningState;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly client: ParleyClient) {
    this.state = load(client.accountId);
    this.unsubscribe = [
      client.on('log_split_view', (s) => this.set({ ...this.state, split: { source: s.source } })),
      client.on('key_alert', (a) => {
        if (this.state.alerts.some((x) => x.index === a.index)) return;
        const alert = { index: a.index, kind: a.kind, deviceId: a.deviceId };
        this.set({ ...this.state, alerts: [...this.state.alerts, alert].slice(-MAX_ALERTS) });
      }),
    ];
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): KeyWarningState => this.state;

  /** The person read the split-view warning and hides it (it comes back if the server does it again). */
  hideSplit = (): void => this.set({ ...this.state, split: null });

  /** The person checked their devices and hides the key alerts. */
  hideAlerts = (): void => this.set({ ...this.state, alerts: [] });

  /** The browser forgets the account (logging out with its data removed): its warnings go too. */
  forget(): void {
    this.close();
    save(this.client.accountId, EMPTY);
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.listeners.clear();
  }

  private set(next: KeyWarningState): void {
    const same = next.split?.source === this.state.split?.source && next.alerts === this.state.alerts;
    if (same) return;
    this.state = next;
    save(this.client.accountId, next);
    for (const l of this.listeners) l();
  }
}
