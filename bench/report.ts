/** The bench's report: the comparison table, the targets met or missed, and the SVG chart, from measured figures. */
import type { Latency } from './flows.js';

/** What one server (or the relay) measured in a run. */
export interface Measured {
  fanout50: { closed: number; latency: Latency };
  fanout500: { closed: number; latency: Latency };
  dm: { closed: number; latency: Latency };
  idle: { connections: number; rssBytes: number; perConnectionBytes: number };
}

/** The run's shape, as the report names it. */
export interface RunShape {
  pairs: number;
  fanoutRate: number;
  dmRate: number;
}

export function table(
  shape: RunShape,
  relay: Measured,
  sqlite: Measured,
  postgres: Measured | undefined,
): string[] {
  const rate = (n: number) => n.toFixed(0);
  const ms = (l: Latency) => `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)}`;
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const rows: string[][] = [['', 'bare relay', 'SQLite', 'vs relay', 'PG+Redis', 'vs relay', 'PG/SQLite']];
  const pgCell = (f: (m: Measured) => string) => (postgres ? f(postgres) : 'skipped');
  for (const [name, key] of [
    ['fan-out N=50, deliveries/s', 'fanout50'],
    ['fan-out N=500, deliveries/s', 'fanout500'],
    [`direct, ${shape.pairs} pairs, messages/s`, 'dm'],
  ] as const) {
    rows.push([
      name,
      rate(relay[key].closed),
      rate(sqlite[key].closed),
      x(sqlite[key].closed, relay[key].closed),
      pgCell((m) => rate(m[key].closed)),
      pgCell((m) => x(m[key].closed, relay[key].closed)),
      pgCell((m) => x(m[key].closed, sqlite[key].closed)),
    ]);
  }
  for (const [name, key] of [
    [`fan-out N=50 @${shape.fanoutRate}/s, p50 / p99 ms`, 'fanout50'],
    [`fan-out N=500 @${shape.fanoutRate}/s, p50 / p99 ms`, 'fanout500'],
    [`direct @${shape.dmRate}/s, p50 / p99 ms`, 'dm'],
  ] as const) {
    rows.push([
      name,
      ms(relay[key].latency),
      ms(sqlite[key].latency),
      x(sqlite[key].latency.p99, relay[key].latency.p99),
      pgCell((m) => ms(m[key].latency)),
      pgCell((m) => x(m[key].latency.p99, relay[key].latency.p99)),
      pgCell((m) => x(m[key].latency.p99, sqlite[key].latency.p99)),
    ]);
  }
  const mb = (m: Measured) => `${(m.idle.rssBytes / 2 ** 20).toFixed(0)} MB`;
  const kb = (m: Measured) => `${(m.idle.perConnectionBytes / 1024).toFixed(1)} KB`;
  rows.push([
    `${relay.idle.connections} idle connections, RSS`,
    mb(relay),
    mb(sqlite),
    '',
    pgCell(mb),
    '',
    '',
  ]);
  rows.push([
    '  per connection',
    kb(relay),
    kb(sqlite),
    x(sqlite.idle.perConnectionBytes, relay.idle.perConnectionBytes),
    pgCell(kb),
    pgCell((m) => x(m.idle.perConnectionBytes, relay.idle.perConnectionBytes)),
    '',
  ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
  );
}

export function targets(
  shape: RunShape,
  relay: Measured,
  sqlite: Measured,
  postgres: Measured | undefined,
): string[] {
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const lines = [];
  for (const [name, m] of [
    ['SQLite', sqlite],
    ['PG+Redis', postgres],
  ] as const) {
    if (m === undefined) continue;
    const ratio = Math.min(
      m.fanout50.closed / relay.fanout50.closed,
      m.fanout500.closed / relay.fanout500.closed,
    );
    lines.push(`${name}: fan-out >= 0.6x relay: ${ratio.toFixed(2)}x ${check(ratio >= 0.6)}`);
    lines.push(
      `${name}: p99 <= 20 ms at ${shape.fanoutRate} deliveries/s, N=500: ${m.fanout500.latency.p99.toFixed(1)} ms ${check(m.fanout500.latency.p99 <= 20)}`,
    );
    const mb = m.idle.rssBytes / 2 ** 20;
    lines.push(
      `${name}: ${m.idle.connections} connections <= 400 MB RSS: ${mb.toFixed(0)} MB ${check(mb <= 400)}${m.idle.connections < 10_000 ? ' (fewer connections than the target: --quick)' : ''}`,
    );
  }
  if (postgres) {
    const ratio = Math.min(
      postgres.fanout500.closed / sqlite.fanout500.closed,
      postgres.fanout50.closed / sqlite.fanout50.closed,
      postgres.dm.closed / sqlite.dm.closed,
    );
    lines.push(
      `PG+Redis single node >= 0.7x SQLite throughput (lowest of the three): ${ratio.toFixed(2)}x ${check(ratio >= 0.7)}`,
    );
  }
  return lines;
}

/** Throughput as a fraction of the bare relay, per workload and storage: horizontal bars. */
export function chart(
  shape: RunShape,
  relay: Measured,
  sqlite: Measured,
  postgres: Measured | undefined,
): string {
  const series = [
    ['SQLite', sqlite, '#4878a8'],
    ['PG+Redis', postgres, '#d08c3c'],
  ] as const;
  const workloads = [
    ['fan-out N=50', 'fanout50'],
    ['fan-out N=500', 'fanout500'],
    [`direct ${shape.pairs} pairs`, 'dm'],
  ] as const;
  const width = 640;
  const left = 150;
  const barH = 16;
  const scale = (width - left - 40) / 1.2;
  const parts: string[] = [];
  let y = 40;
  for (const [name, key] of workloads) {
    parts.push(`<text x="10" y="${y + barH + 4}" font-size="13">${name}</text>`);
    for (const [label, m, color] of series) {
      if (m === undefined) continue;
      const ratio = m[key].closed / relay[key].closed;
      const w = Math.max(1, Math.min(1.2, ratio) * scale);
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"/>`);
      parts.push(
        `<text x="${(left + w + 4).toFixed(1)}" y="${y + 12}" font-size="11">${label} ${ratio.toFixed(2)}x</text>`,
      );
      y += barH + 4;
    }
    y += 14;
  }
  const line = (v: number, label: string) =>
    `<line x1="${left + v * scale}" y1="30" x2="${left + v * scale}" y2="${y}" stroke="#888" stroke-dasharray="4 3"/><text x="${left + v * scale - 10}" y="${y + 14}" font-size="11">${label}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 30}" font-family="sans-serif">
<title>Parley throughput as a fraction of a bare ws relay (closed loop)</title>
<text x="10" y="20" font-size="14">Parley throughput as a fraction of a bare ws relay (closed loop)</text>
${parts.join('\n')}
${line(1, '1.0 relay')}
${line(0.6, '0.6 target')}
</svg>
`;
}
