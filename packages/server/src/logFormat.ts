/**
 * How the server's log reads on its console: pino's JSON lines for machines (`json`, and `auto`
 * when the output is not a terminal), or one human-readable line per entry on a terminal (`text`,
 * and `auto` on a TTY): `12:01:02 INFO  request GET /v1/server 200 3ms`.
 */

export type LogFormat = 'auto' | 'text' | 'json';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** pino's own fields, shown in the line's head or not at all. */
const OWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'v']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line as a human reads it; a line that is not JSON is passed on as it is. */
export function textLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toTimeString().slice(0, 8);
  const level = LEVELS[Number(entry.level)] ?? String(entry.level);
  // The request log reads as a sentence: method, route, status, duration.
  if (entry.msg === 'request' && typeof entry.method === 'string') {
    const ip = entry.ip === undefined ? '' : ` from ${value(entry.ip)}`;
    return `${time} ${level} ${entry.method} ${value(entry.route)} ${value(entry.status)} ${value(entry.ms)}ms${ip}\n`;
  }
  const rest = Object.entries(entry)
    .filter(([k]) => !OWN.has(k))
    .map(([k, v]) => ` ${k}=${value(v)}`)
    .join('');
  return `${time} ${level} ${entry.msg ?? ''}${rest}\n`;
}

/** The stream pino writes to for `format` on `out`; undefined: pino's JSON on stdout. */
export function logStreamFor(
  format: LogFormat,
  out: { isTTY?: boolean; write(text: string): unknown },
): { write(line: string): void } | undefined {
  if (format === 'json' || (format === 'auto' && out.isTTY !== true)) return undefined;
  return { write: (line) => void out.write(textLine(line)) };
}
