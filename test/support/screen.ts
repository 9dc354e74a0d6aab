// At-the-screen helpers for the browser tests of both consoles: where the keyboard focus is, Tab until a control,
// and what an aria-live region has said (page scripts as strings: the tests compile without the DOM's types).
import type { Page } from 'playwright-core';

/** What has the keyboard focus: tag, text (or name), the key of its alert card, and its outline (visible focus). */
export interface Focused {
  tag: string;
  text: string;
  card: string | null;
  outline: string;
}

const FOCUSED = `(() => {
  const node = document.activeElement;
  return {
    tag: node.tagName.toLowerCase(),
    text: (node.textContent || '').trim() || node.getAttribute('name') || '',
    card: node.closest('li[data-key]') ? node.closest('li[data-key]').dataset.key : null,
    outline: getComputedStyle(node).outlineStyle,
  };
})()`;

export function focused(page: Page): Promise<Focused> {
  return page.evaluate<Focused>(FOCUSED);
}

/** Presses Tab until `want` holds for the focused control (at most 40 times); returns every stop on the way. */
export async function tabTo(page: Page, want: (f: Focused) => boolean): Promise<Focused[]> {
  const stops: Focused[] = [];
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    stops.push(now);
    if (want(now)) return stops;
  }
  throw new Error(`never reached: ${JSON.stringify(stops)}`);
}

/**
 * Starts recording what the aria-live region `#id` says: each time its text changes to something non-empty. Text
 * set again unchanged is not recorded, as screen readers do not read it out again.
 */
export async function recordLiveRegion(page: Page, id: string): Promise<() => Promise<string[]>> {
  await page.evaluate(`(() => {
    const said = [];
    window.__said = said;
    const region = document.getElementById(${JSON.stringify(id)});
    let last = region.textContent;
    new MutationObserver(() => {
      if (region.textContent && region.textContent !== last) said.push(region.textContent);
      last = region.textContent;
    }).observe(region, { childList: true, characterData: true, subtree: true });
  })()`);
  return () => page.evaluate<string[]>('window.__said');
}
