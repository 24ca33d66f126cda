/** Prometheus metrics (GET /metrics). Metrics are added here as the features that feed them land. */
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  registrations: Counter;
  logins: Counter<'result'>;
  devicesAdded: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_process_' });
  return {
    registry,
    registrations: new Counter({
      name: 'parley_registrations_total',
      help: 'Accounts registered',
      registers: [registry],
    }),
    logins: new Counter({
      name: 'parley_logins_total',
      help: 'Login attempts by result (ok, failed, throttled)',
      labelNames: ['result'],
      registers: [registry],
    }),
    devicesAdded: new Counter({
      name: 'parley_devices_added_total',
      help: 'Devices added',
      registers: [registry],
    }),
  };
}
