"""Accessibility checks for browser tests: axe-core plus automated versions of the manual checks.

assert_accessible(page)                 axe-core, WCAG 2.0/2.1/2.2 A and AA rules, zero violations
assert_page_structure(page)             lang, one <h1>, main/banner/contentinfo landmarks, skip link
assert_visible_focus(page)              Tab through the page: every focused element looks focused
assert_error_summary_focused(page)      after a failed submit (needs JavaScript)
page_titles.check(page)                 unique, descriptive <title> (session fixture `page_titles`)
assert_no_horizontal_scroll(page, 320)  reflow at 320 CSS px (WCAG 1.4.10)
assert_usable_at_200_percent_zoom(page) 1280 px window at 200% = 640 CSS px viewport
assert_reduced_motion_respected(page)   prefers-reduced-motion: no motion longer than 0.01s
"""

import json
import re
from contextlib import contextmanager
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def _describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['id']}] ({violation.get('impact')}) {violation['help']}\n"
            f"    tags: {', '.join(t for t in violation['tags'] if t.startswith('wcag'))}"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            html = re.sub(r"\s+", " ", node["html"])[:200]
            summary = node.get("failureSummary", "").replace("\n", "\n        ")
            lines.append(f"    at {' > '.join(map(str, node['target']))}\n      {html}")
            if summary:
                lines.append(f"        {summary}")
    return "\n".join(lines)


_javascript_disabled: set[int] = set()


def mark_javascript_disabled(page) -> None:
    """The harness calls this for pages whose context has JavaScript turned off."""
    _javascript_disabled.add(id(page))


@contextmanager
def _scriptable_copy(page):
    """axe needs JavaScript. For a page without it, load the very same HTML, minus the page's
    own scripts, in a twin context that may run axe, so the DOM is the one a visitor without
    JavaScript gets."""
    if id(page) not in _javascript_disabled:
        yield page
        return
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
    # What <noscript> holds is what this visitor sees, so it must not stay hidden in the twin.
    html = re.sub(r"</?noscript\b[^>]*>", "", html, flags=re.I)
    html = re.sub(r"(<head[^>]*>)", rf'\1<base href="{page.url}">', html, count=1, flags=re.I)
    twin = _twins.get(id(page.context.browser))
    if twin is None or twin.is_closed():
        # One twin tab for the whole run: a new context per check costs more than the check.
        twin = page.context.browser.new_context().new_page()
        _twins[id(page.context.browser)] = twin
    twin.set_viewport_size(page.viewport_size)
    twin.set_content(html)
    yield twin


_twins: dict[int, object] = {}


def axe_violations(page, *, context=None) -> list[dict]:
    """axe-core's violations for the WCAG 2.x A/AA rules on the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    with _scriptable_copy(page) as target:
        # Inject axe once per document (a page checked again after a change keeps it), and
        # bring back only the violations: the full result is large.
        if target.evaluate("() => typeof window.axe === 'undefined'"):
            target.evaluate(_axe.axe_script)
        args = json.dumps(context) + ", " if context is not None else ""
        return target.evaluate(f"axe.run({args}{json.dumps(options)}).then(r => r.violations)")


def assert_accessible(page, *, context=None) -> None:
    """Zero axe violations (WCAG 2.0, 2.1 and 2.2, levels A and AA) on the page as it is now."""
    violations = axe_violations(page, context=context)
    assert not violations, (
        f"axe found {len(violations)} WCAG A/AA violation(s) on {page.url}:\n"
        + _describe_violations(violations)
    )


def assert_page_structure(page) -> None:
    """The skeleton every page of the site shares: language, landmarks, one h1, skip link."""
    facts = page.evaluate(
        """() => ({
            lang: document.documentElement.lang,
            h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
            main: document.querySelectorAll('main').length,
            banner: document.querySelectorAll('body > header, [role=banner]').length,
            contentinfo: document.querySelectorAll('body > footer, [role=contentinfo]').length,
            skip: (() => {
                const link = document.querySelector('a.govuk-skip-link');
                if (!link) return null;
                const target = document.querySelector(link.getAttribute('href'));
                return target ? target.tagName.toLowerCase() : 'missing target';
            })(),
        })"""
    )
    problems = []
    if not facts["lang"].lower().startswith("en"):
        problems.append(f"<html lang> is {facts['lang']!r}")
    if len(facts["h1"]) != 1 or not facts["h1"][0]:
        problems.append(f"expected one non-empty <h1>, found {facts['h1']}")
    if facts["main"] != 1:
        problems.append(f"expected one <main>, found {facts['main']}")
    if facts["banner"] < 1:
        problems.append("no banner landmark (<header>)")
    if facts["contentinfo"] < 1:
        problems.append("no contentinfo landmark (<footer>)")
    if facts["skip"] != "main":
        problems.append(f"skip link should lead to <main>, leads to {facts['skip']}")
    assert not problems, f"page structure on {page.url}: " + "; ".join(problems)


# --- Visible focus ---------------------------------------------------------------------------

_FOCUS_JS = """
(() => {
  // A change of colour or underline alone is not enough (WCAG 1.4.1): GOV.UK focus states
  // add an outline, a box-shadow or the yellow background; the skip link appears.
  const STRONG = ['box-shadow', 'background-color', 'clip-path', 'clip', 'position'];
  const WEAK = ['color', 'text-decoration-line', 'text-decoration-thickness'];
  // Outline and border colours default to the text colour: they count only when drawn.
  const drawn = (style) => {
    const outline = style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0
      ? 'no outline' : `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`;
    const border = ['Top', 'Right', 'Bottom', 'Left'].map(side =>
      style[`border${side}Style`] === 'none' || parseFloat(style[`border${side}Width`]) === 0
        ? '-' : `${style[`border${side}Width`]} ${style[`border${side}Color`]}`).join(' ');
    return `${outline}|${border}`;
  };
  const sig = (el) => ({strong: sigOf(el, STRONG, true), weak: sigOf(el, WEAK, false)});
  const sigOf = (el, PROPS, withLines) => {
    const parts = [];
    const targets = [el];
    // GOV.UK radios and checkboxes draw their focus ring on the label's pseudo-elements.
    if (el.id) {
      const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (label) targets.push(label);
    }
    for (const target of targets) {
      for (const pseudo of [null, '::before', '::after']) {
        const style = getComputedStyle(target, pseudo);
        parts.push(PROPS.map(p => style.getPropertyValue(p)).join('|') +
                   (withLines ? '|' + drawn(style) : ''));
      }
    }
    return parts.join('||');
  };
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
      `${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}>` +
      ` "${text.slice(0, 40)}"`;
  };
  window.__tlFocus = {
    baseline: new Map(),
    snapshot() {
      const selector = 'a[href], button, input, select, textarea, summary, iframe, ' +
                       '[tabindex], [contenteditable=""], [contenteditable=true]';
      for (const el of document.querySelectorAll(selector)) this.baseline.set(el, sig(el));
    },
    current() {
      const el = document.activeElement;
      if (!el || el === document.body || el === document.documentElement) return null;
      const rect = el.getBoundingClientRect();
      const base = this.baseline.get(el);
      return {
        description: describe(el),
        changed: base === undefined ? null : base.strong !== sig(el).strong,
        weakOnly: base !== undefined && base.strong === sig(el).strong && base.weak !== sig(el).weak,
        visible: rect.width > 0 && rect.height > 0 &&
                 rect.bottom > 0 && rect.top < window.innerHeight,
        key: describe(el) + '@' + Math.round(rect.left + scrollX) + ',' + Math.round(rect.top + scrollY),
      };
    },
  };
  document.activeElement && document.activeElement.blur();
  window.__tlFocus.snapshot();
})()
"""


def assert_visible_focus(page, *, max_tabs: int = 150) -> list[str]:
    """Tab through the page; every element that takes focus must change how it looks.

    Compares each element's computed outline, box-shadow, background and border (and those of
    its label's pseudo-elements, where GOV.UK draws the ring for radios and checkboxes) while
    focused against the same element before any focus; a change of text colour or underline
    alone does not count. Returns the elements visited in order.
    """
    page.mouse.move(0, 0)
    page.evaluate(_FOCUS_JS)
    visited, problems, seen = [], [], set()
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        state = page.evaluate("window.__tlFocus.current()")
        if state is None:
            if visited:
                break  # focus left the document: we have been round once
            continue
        if state["key"] in seen:
            break
        seen.add(state["key"])
        visited.append(state["description"])
        if state["changed"] is None:
            problems.append(f"{state['description']} takes focus but is not an interactive element")
        elif state["weakOnly"]:
            problems.append(f"{state['description']} shows focus by colour or underline alone")
        elif not state["changed"]:
            problems.append(f"{state['description']} shows no visible change when focused")
        if not state["visible"]:
            problems.append(f"{state['description']} is focused while hidden or off-screen")
    assert visited, f"nothing on {page.url} can be reached with the Tab key"
    assert not problems, f"focus problems on {page.url}:\n  " + "\n  ".join(problems)
    return visited


def assert_error_summary_focused(page) -> None:
    """After a failed submit: the GOV.UK error summary has focus and its links reach the fields."""
    # A function, not a string: the site's CSP forbids eval, which a string predicate needs
    # whenever it has to be polled.
    page.wait_for_function(
        "() => !!document.activeElement && document.activeElement.matches('.govuk-error-summary')",
        timeout=5_000,
    )
    targets = page.eval_on_selector_all(
        ".govuk-error-summary a[href^='#']", "links => links.map(a => a.getAttribute('href'))"
    )
    assert targets, "the error summary has no links to the fields in error"
    missing = [t for t in targets if page.locator(t).count() == 0]
    assert not missing, f"error summary links to nothing: {missing}"


# --- Titles ----------------------------------------------------------------------------------


class TitleRegister:
    """Collects <title>s across the pages visited in a run; each page must have its own."""

    SUFFIX = " – Talk London"

    def __init__(self):
        self.pages_by_title: dict[str, str] = {}

    def check(self, page, *, key: str | None = None) -> str:
        """Assert the title is descriptive and not shared with another page.

        `key` names the page; by default its path. Give states of one page (an error state, a
        404 at any address) the same key so that they may share its title.
        """
        title = page.title()
        key = key or urlsplit(page.url).path
        assert title.endswith(self.SUFFIX), f"title {title!r} of {page.url} lacks {self.SUFFIX!r}"
        specific = title[: -len(self.SUFFIX)].strip()
        assert len(specific) >= 3 and specific.lower() != "talk london", (
            f"title {title!r} of {page.url} does not say what the page is"
        )
        owner = self.pages_by_title.setdefault(title, key)
        assert owner == key, f"{key} has the same title as {owner}: {title!r}"
        return title


# --- Reflow, zoom and motion -----------------------------------------------------------------

_OVERFLOW_JS = """(width) => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length)
    .filter(el => !el.closest('.govuk-visually-hidden, .govuk-skip-link'))
    .slice(0, 8)
    .map(el => el.outerHTML.replace(/\\s+/g, ' ').slice(0, 120))"""


def assert_no_horizontal_scroll(page, width: int = 320, height: int = 720) -> None:
    """At `width` CSS pixels the page reflows into one column: nothing scrolls sideways."""
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            culprits = page.evaluate(_OVERFLOW_JS, width)
            raise AssertionError(
                f"{page.url} scrolls sideways at {width}px (scrollWidth {scroll_width}); "
                f"elements beyond the edge:\n  " + "\n  ".join(culprits)
            )
    finally:
        if original:
            page.set_viewport_size(original)


def assert_usable_at_200_percent_zoom(page) -> None:
    """A 1280×900 window zoomed to 200% lays out as a 640×450 CSS px viewport.

    The page must not scroll sideways, its heading must be visible, and the header's links must
    still be on screen (not clipped away).
    """
    original = page.viewport_size
    page.set_viewport_size({"width": 640, "height": 450})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 640, (
            f"{page.url} scrolls sideways at 200% zoom"
        )
        assert page.locator("h1").first.is_visible(), f"{page.url}: heading hidden at 200% zoom"
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('header a, header button')]
                 .filter(el => el.getClientRects().length && !el.closest('[hidden]'))
                 .filter(el => { const r = el.getBoundingClientRect();
                                 return r.width === 0 || r.right > innerWidth + 1; })
                 .map(el => el.textContent.trim())"""
        )
        assert not clipped, f"{page.url}: header controls cut off at 200% zoom: {clipped}"
    finally:
        if original:
            page.set_viewport_size(original)


_MOTION_JS = """() => {
  const seconds = (list) => list.split(',').map(v => v.trim())
      .map(v => v.endsWith('ms') ? parseFloat(v) / 1000 : parseFloat(v) || 0);
  const found = [];
  const html = getComputedStyle(document.documentElement);
  if (html.scrollBehavior === 'smooth') found.push('html { scroll-behavior: smooth }');
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of [null, '::before', '::after']) {
      const s = getComputedStyle(el, pseudo);
      const animation = s.animationName !== 'none' &&
          Math.max(...seconds(s.animationDuration)) > 0.01;
      const transition = Math.max(...seconds(s.transitionDuration)) > 0.01;
      if (animation || transition) {
        found.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string'
          ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}${pseudo || ''}: ` +
          (animation ? `animation ${s.animationName} ${s.animationDuration} ` : '') +
          (transition ? `transition ${s.transitionProperty} ${s.transitionDuration}` : ''));
      }
    }
    if (found.length > 20) break;
  }
  return found;
}"""


def assert_reduced_motion_respected(page) -> None:
    """With prefers-reduced-motion: reduce, nothing animates or transitions for over 0.01s."""
    page.emulate_media(reduced_motion="reduce")
    try:
        page.reload()
        moving = page.evaluate(_MOTION_JS)
        assert not moving, f"{page.url} moves despite prefers-reduced-motion:\n  " + "\n  ".join(
            moving
        )
    finally:
        page.emulate_media(reduced_motion="no-preference")
