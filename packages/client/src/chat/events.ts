/** The client's event listeners: subscribe with on(), notify with emit(). */
import type { ClientEvents } from './types.js';

// biome-ignore lint/suspicious/noExplicitAny: listeners of every event, called with their own arguments
type Listener = (...args: any[]) => void;

export class Emitter {
  private readonly listeners = new Map<keyof ClientEvents, Set<Listener>>();

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set.add(listener));
    return () => set.delete(listener);
  }

  emit<K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>): void {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
}
