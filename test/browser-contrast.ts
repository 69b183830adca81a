// In-page helpers for the browser test, injected as a plain script (no bundler names inside): WCAG
// contrast of an element's text against what is really behind it, and the text that falls short.

/** Installed as window.kcContrast(el) and window.kcLowContrast(root, min). */
export const CONTRAST_SCRIPT = `
(() => {
  const parse = (s) => {
    const m = (s.match(/[\\d.]+/g) || ['0', '0', '0', '0']).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  // The background behind el: its own and its ancestors' background colours, composited down to the
  // first opaque one (the page is white below everything).
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const contrast = (el) => {
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const bg = background(el);
    const c = parse(getComputedStyle(el).color);
    const fg = over([c[0], c[1], c[2], c[3] * opacity], bg);
    const a = luminance(fg);
    const b = luminance(bg);
    const hex = (x) => '#' + x.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
    return { ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), fg: hex(fg), bg: hex(bg) };
  };
  const describe = (el) =>
    el.tagName.toLowerCase() +
    (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.')
      : '');
  // Every element with visible text of its own under root whose contrast is below min. Disabled
  // controls and the heading anchors that only show on hover are exempt (WCAG 1.4.3).
  const low = (root, min) => {
    const out = [];
    const seen = new Set();
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el)) continue;
      seen.add(el);
      if (!n.textContent.replace(/\\u200b/g, '').trim()) continue;
      if (el.closest('button:disabled, .hash-link, .kc-visually-hidden, [aria-hidden="true"]')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      const c = contrast(el);
      if (c.ratio < min)
        out.push({ element: describe(el.parentElement) + ' > ' + describe(el), text: n.textContent.trim().slice(0, 40), ...c });
    }
    return out;
  };
  window.kcContrast = contrast;
  window.kcLowContrast = low;
})();
`;

export interface Contrast {
  ratio: number;
  fg: string;
  bg: string;
}

export interface LowContrast extends Contrast {
  element: string;
  text: string;
}

declare global {
  interface Window {
    kcContrast(el: Element): Contrast;
    kcLowContrast(root: Element, min: number): LowContrast[];
  }
}
