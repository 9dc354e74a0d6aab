// The console in forced colours (review, session 69): Windows' contrast themes and a reader's own colours make the
// browser drop every background and shadow. The critical banner ("1 critical alert waiting for acknowledgement") was
// left as bold text with no box and no pulse, nothing to set it apart from the status line under it, and each card's
// severity and state badges loose words after its title. The real dashboard (real SQLite file, real alert service) on a
// fake clock, the console in Debian's chromium at 390 × 844 with `forced-colors: active`, light and dark; what is read
// is chromium's computed style of each box's edge (its colour as the theme forces it), against the page's background.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { chromiumAvailable } from '../support/chromium.js';
import { openThroughLogin } from '../support/screen.js';
import { dashboardInChromium } from './in-chromium.js';
import { raiseAlert, USER_PASSWORD } from './support.js';

const haveChromium = chromiumAvailable('the console in forced colours');
const clock = new FakeClock(Date.UTC(2026, 10, 22, 3, 0, 0));
const stage = dashboardInChromium(haveChromium, { clock }, { responder: true });

interface Edge {
  style: string;
  width: number;
  colour: string;
  background: string;
}

/** The top edge of the first node `selector` finds, and the page's background, as chromium computed them. */
function edge(page: Page, selector: string): Promise<Edge> {
  return page.evaluate<Edge>(`(() => {
    const style = getComputedStyle(document.querySelector(${JSON.stringify(selector)}));
    return {
      style: style.borderTopStyle,
      width: parseFloat(style.borderTopWidth),
      colour: style.borderTopColor,
      background: getComputedStyle(document.body).backgroundColor,
    };
  })()`);
}

/** A box edge drawn, at least `width` px, in a colour other than the page's. */
function drawn(found: Edge, width: number): void {
  expect(found.style).toBe('solid');
  expect(found.width).toBeGreaterThanOrEqual(width);
  expect(found.colour).not.toBe(found.background);
}

describe.skipIf(!haveChromium)('the console in forced colours', () => {
  it.each(['light', 'dark'] as const)(
    'draws the critical banner and each badge as a box, in a %s theme',
    async (scheme) => {
      if (stage.dashboard.alerts.list({ state: 'open' }).length === 0) {
        raiseAlert(stage.dashboard.alerts, clock, { homeId: 'h1', detail: { deviceId: 'p1' } });
      }
      const context = await stage.browser.newContext({
        viewport: { width: 390, height: 844 },
        forcedColors: 'active',
        colorScheme: scheme,
      });
      try {
        const page = await context.newPage();
        await openThroughLogin(page, stage.base, '/console', 'sam', USER_PASSWORD);
        await page.getByText('1 critical alert waiting for acknowledgement').waitFor();
        await page.locator('#alerts > li').first().waitFor();
        // Before: no edge at all ('none', 0 px).
        drawn(await edge(page, '#critical-banner'), 3);
        drawn(await edge(page, '#alerts .badge.sev-critical'), 1);
        drawn(await edge(page, '#alerts .badge.state'), 1);
      } finally {
        await context.close();
      }
    },
    120_000,
  );
});
