/**
 * Contrast of what is not text (WCAG 2.2, 1.4.11 Non-text Contrast, and 1.4.3 for placeholders,
 * which axe does not check), computed in the page from the colours Chromium resolved: a
 * component's edge against the colour inside it and the colour around it, and a focus ring
 * against what surrounds it. Relative luminance and contrast ratio as WCAG defines them
 * (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance).
 */
import type { Page } from 'playwright-core';

/** One measured pair of colours. */
export interface Measured {
  /** What was measured, e.g. `textarea[aria-label=Message] edge / around`. */
  what: string;
  ratio: number;
  colours: [string, string];
}

/**
 * In the page: for every visible field (text inputs, selects, text areas) and every disabled
 * primary button (Send with nothing typed), the contrast of its border with its own background
 * and with the background it sits on; for every visible field with a placeholder, the
 * placeholder's text against the field; and the focus ring of what the keyboard focused, against
 * what is around it. Colours with transparency are composed over what is
 * behind them, as the eye sees them.
 */
export async function componentContrasts(page: Page): Promise<Measured[]> {
  return page.evaluate(() => {
    type Rgba = [number, number, number, number];
    const parse = (css: string): Rgba => {
      const m = css.match(/rgba?\(([^)]+)\)/);
      if (m === null) throw new Error(`a colour Chromium did not resolve to rgb(): ${css}`);
      const [r = 0, g = 0, b = 0, a = 1] = m[1]!
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [r, g, b, a];
    };
    const over = (top: Rgba, under: Rgba): Rgba => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i]! * a + under[i]! * (1 - a)).concat(1) as Rgba;
    };
    /** The opaque colour behind `el`'s own content: its background composed over its ancestors'. */
    const backgroundOf = (el: Element | null): Rgba => {
      const layers: Rgba[] = [];
      for (let at = el; at !== null; at = at.parentElement) {
        const c = parse(getComputedStyle(at).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let colour: Rgba = [255, 255, 255, 1]; // the canvas under everything
      for (const layer of layers.reverse()) colour = over(layer, colour);
      return colour;
    };
    const channel = (v: number) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ([r, g, b]: Rgba) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const ratio = (x: Rgba, y: Rgba) => {
      const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p) as [number, number];
      return (hi + 0.05) / (lo + 0.05);
    };
    const css = ([r, g, b]: Rgba) => `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
    const visible = (el: Element) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    const name = (el: Element) => {
      const label = el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.id ?? '';
      return `${el.tagName.toLowerCase()}${label === '' ? '' : `[${label}]`}`;
    };
    const out: Array<{ what: string; ratio: number; colours: [string, string] }> = [];
    const fields = Array.from(document.querySelectorAll('input, select, textarea')).filter(
      (el) => !['checkbox', 'radio', 'file', 'hidden'].includes((el as HTMLInputElement).type) && visible(el),
    );
    const disabledPrimary = Array.from(document.querySelectorAll('button.primary:disabled')).filter(visible);
    for (const el of [...fields, ...disabledPrimary]) {
      const style = getComputedStyle(el);
      if (Number.parseFloat(style.borderTopWidth) === 0) {
        out.push({ what: `${name(el)} has no edge`, ratio: 0, colours: ['none', 'none'] });
        continue;
      }
      const inside = backgroundOf(el);
      const around = backgroundOf(el.parentElement);
      const edge = over(parse(style.borderTopColor), around);
      out.push({
        what: `${name(el)} edge / inside`,
        ratio: ratio(edge, inside),
        colours: [css(edge), css(inside)],
      });
      out.push({
        what: `${name(el)} edge / around`,
        ratio: ratio(edge, around),
        colours: [css(edge), css(around)],
      });
    }
    for (const el of fields.filter((f) => (f.getAttribute('placeholder') ?? '') !== '')) {
      const inside = backgroundOf(el);
      const text = over(parse(getComputedStyle(el, '::placeholder').color), inside);
      out.push({
        what: `${name(el)} placeholder`,
        ratio: ratio(text, inside),
        colours: [css(text), css(inside)],
      });
    }
    // The focus ring, when the keyboard put focus somewhere (:focus-visible): against what is around it.
    const focused = document.activeElement;
    if (focused !== null && focused !== document.body && focused.matches(':focus-visible')) {
      const style = getComputedStyle(focused);
      const around = backgroundOf(focused.parentElement);
      if (style.outlineStyle === 'none' || Number.parseFloat(style.outlineWidth) === 0)
        out.push({ what: `${name(focused)} shows no focus ring`, ratio: 0, colours: ['none', 'none'] });
      else {
        const ring = over(parse(style.outlineColor), around);
        out.push({
          what: `${name(focused)} focus ring / around`,
          ratio: ratio(ring, around),
          colours: [css(ring), css(around)],
        });
      }
    }
    return out;
  });
}
