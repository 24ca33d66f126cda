/**
 * Terminal text measured in columns (string-width): wide characters (CJK) and emoji take two,
 * colour and style sequences none; cut on grapheme boundaries, so a character is never split.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter();

/** The columns `s` takes on a terminal. */
export const width = (s: string): number => stringWidth(s);

function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (g) => g.segment);
}

/** The longest start (or, `fromEnd`, end) of `s` that fits in `columns`. */
export function cut(s: string, columns: number, fromEnd = false): string {
  const parts = graphemes(s);
  if (fromEnd) parts.reverse();
  const kept: string[] = [];
  let used = 0;
  for (const g of parts) {
    used += width(g);
    if (used > columns) break;
    kept.push(g);
  }
  return (fromEnd ? kept.reverse() : kept).join('');
}

/** `s` padded with spaces, or cut with an ellipsis, to exactly `columns`. */
export function fit(s: string, columns: number): string {
  const w = width(s);
  if (w <= columns) return s + ' '.repeat(columns - w);
  const start = `${cut(s, Math.max(0, columns - 1))}…`;
  return start + ' '.repeat(Math.max(0, columns - width(start)));
}

/** Word-wrap `s` to lines of at most `columns`, breaking longer words; indented paragraphs stay indented. */
export function wrap(s: string, columns: number): string[] {
  if (columns <= 0) return [];
  const out: string[] = [];
  for (const paragraph of s.split('\n')) {
    const indent = paragraph.length - paragraph.trimStart().length;
    if (indent > 0 && indent < columns / 2) {
      const pad = ' '.repeat(indent);
      out.push(...wrap(paragraph.slice(indent), columns - indent).map((l) => pad + l));
      continue;
    }
    let line = '';
    for (const word of paragraph.split(' ')) {
      const candidate = line.length === 0 ? word : `${line} ${word}`;
      if (width(candidate) <= columns) {
        line = candidate;
        continue;
      }
      if (line.length > 0) out.push(line);
      let rest = word;
      while (width(rest) > columns) {
        const piece = cut(rest, columns) || graphemes(rest)[0]!;
        out.push(piece);
        rest = rest.slice(piece.length);
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}
