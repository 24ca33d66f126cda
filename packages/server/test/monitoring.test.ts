/**
 * The operator's monitoring files in deploy/ (issue #20): the Prometheus alert rules and the
 * Grafana dashboard use only metrics a running server exports (checked against its /metrics), every
 * rule has what Alertmanager needs, and the example systemd unit runs the server unprivileged with
 * its data directory writable and the rest of the system read-only.
 */
import { readFileSync } from 'node:fs';
import { startLoopbackServer } from '@parley/testing';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

const deploy = (path: string) => readFileSync(new URL(`../../../deploy/${path}`, import.meta.url), 'utf8');

/** Prometheus's own series, not the server's. */
const FROM_PROMETHEUS = new Set(['up']);
const PROMQL_WORDS = new Set([
  'sum',
  'by',
  'rate',
  'max',
  'clamp_min',
  'predict_linear',
  'job',
  'result',
  'instance',
  'code',
  'kind',
]);

/** Metric names an expression reads (identifiers that are not PromQL functions, keywords or labels). */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b\d+(\.\d+)?(e\d+)?\b/g, '0');
  return [...withoutStrings.matchAll(/[a-z_][a-z0-9_]*/g)]
    .map((m) => m[0])
    .filter((w) => !PROMQL_WORDS.has(w) && !FROM_PROMETHEUS.has(w));
}

async function exported(): Promise<Set<string>> {
  const server = await startLoopbackServer();
  try {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  } finally {
    await server.stop();
  }
}

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

test('every metric the alert rules and the dashboard use is one the server exports; each rule is complete', async () => {
  const names = await exported();
  const rules = (
    parse(deploy('monitoring/prometheus-rules.yaml')) as { groups: Array<{ rules: Rule[] }> }
  ).groups.flatMap((g) => g.rules);
  expect(rules.length).toBeGreaterThanOrEqual(6);
  for (const rule of rules) {
    expect(rule.alert).toMatch(/^Parley[A-Za-z]+$/);
    expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
    expect(rule.for).toMatch(/^\d+[smh]$/);
    expect(rule.annotations.summary.length).toBeGreaterThan(10);
    for (const metric of metricsIn(rule.expr))
      expect(names, `${rule.alert} uses ${metric}`).toContain(metric);
  }
  const dashboard = JSON.parse(deploy('monitoring/grafana-dashboard.json')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))));
  for (const metric of used) expect(names, `the dashboard uses ${metric}`).toContain(metric);
  // Every metric of the server's own (not the process's) shows on the dashboard.
  for (const metric of names)
    if (metric.startsWith('parley_') && !metric.startsWith('parley_process_'))
      expect(used, `${metric} is on no panel`).toContain(metric);
});

test('the systemd unit runs parley-server as its own user, data directory writable, the system read-only', () => {
  const unit = deploy('systemd/parley.service');
  const settings = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
  }
  const one = (key: string) => settings.get(key)?.[0];
  expect(one('ExecStart')).toMatch(/parley-server$/);
  expect(one('User')).toBe('parley');
  expect(settings.get('Environment')).toContain('PARLEY_DATA_DIR=/var/lib/parley');
  expect(one('ReadWritePaths')).toBe('/var/lib/parley');
  expect(one('StateDirectory')).toBe('parley');
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
  ])
    expect(one(key!)).toBe(value);
  expect(one('CapabilityBoundingSet')).toBe('');
});
