"""Visible-text contrast, measured in the browser as a reader sees it.

axe skips text whose background it cannot work out (a transparent button on a page whose
colour comes from an ancestor), which is how white-on-white controls went unnoticed. This
check takes every visible text node, buttons and links included, and compares its computed
colour with its effective background: the element's own background and those of its
ancestors, composited from the first opaque one up (the page canvas, white, if none is).

low_contrast_texts(page, minimum=4.5) -> [{"text", "ratio", "color", "background", "path"}]
assert_text_contrast(page, minimum=4.5)
"""

_CONTRAST_JS = """
(minimum) => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return {r: 255, g: 255, b: 255, a: 0};
    const mix = (c) => (top[c] * top.a + bottom[c] * bottom.a * (1 - top.a)) / a;
    return {r: mix('r'), g: mix('g'), b: mix('b'), a};
  };
  const luminance = (c) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  };
  const ratio = (a, b) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const background = (element) => {
    // Layers from the element outwards, until one is opaque; then composite them inwards.
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    let result = {r: 255, g: 255, b: 255, a: 1};  // the canvas
    for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
    return result;
  };
  const visible = (element) => {
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden' || Number(style.opacity) === 0) {
        return false;
      }
    }
    const rect = element.getBoundingClientRect();
    // govuk-visually-hidden text is clipped to a 1px box: read by screen readers, not seen.
    return rect.width > 1 && rect.height > 1;
  };
  const path = (element) => {
    const parts = [];
    for (let node = element; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
      parts.unshift(node.tagName.toLowerCase() + (node.className && typeof node.className === 'string'
        ? '.' + node.className.trim().split(/\\s+/).join('.') : ''));
    }
    return parts.join(' > ');
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const element = text.parentElement;
    if (!element || seen.has(element) || !text.textContent.trim()) continue;
    if (element.closest('svg, script, style, noscript, template')) continue;
    seen.add(element);
    if (!visible(element)) continue;
    const colour = parse(getComputedStyle(element).color);
    if (!colour) continue;
    const back = background(element);
    const value = ratio(over(colour, back), back);
    if (value < minimum) {
      problems.push({
        text: text.textContent.trim().slice(0, 60),
        ratio: Math.round(value * 100) / 100,
        color: getComputedStyle(element).color,
        background: `rgb(${Math.round(back.r)}, ${Math.round(back.g)}, ${Math.round(back.b)})`,
        path: path(element),
      });
    }
  }
  return problems;
}
"""


def low_contrast_texts(page, minimum: float = 4.5) -> list[dict]:
    return page.evaluate(_CONTRAST_JS, minimum)


def assert_text_contrast(page, minimum: float = 4.5) -> None:
    problems = low_contrast_texts(page, minimum)
    assert not problems, f"{len(problems)} low-contrast text(s) on {page.url}:\n" + "\n".join(
        f"  {p['ratio']}:1 {p['color']} on {p['background']} “{p['text']}” at {p['path']}"
        for p in problems
    )
