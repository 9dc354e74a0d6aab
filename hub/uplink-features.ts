// Each home's completed days of features (SPEC 7), pseudonymised with the council's key and queued for the uplink.
import { createHmac } from 'node:crypto';
import { homeCalendar, lastCompleteDay } from '../analytics/activity.js';
import type { ActivityWorker } from '../analytics/offloop.js';
import type { DailyFeatures } from '../analytics/types.js';
import { dayToIsoDate } from '../rules/local-time.js';
import type { HomeConfig } from '../rules/types.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';
import type { UplinkQueue } from './uplink-queue.js';

/** Completed days looked back on: a hub that was off (or had no key) for a week still sends that week. */
export const FEATURE_CATCH_UP_DAYS = 7;
const FIRST_RUN_AFTER_MS = 90_000;
const RUN_EVERY_MS = 3_600_000;
/** Hex digits of a home pseudonym: 64 bits, as the council report's resident pseudonyms. */
const PSEUDONYM_HEX_CHARS = 16;

/** HMAC-SHA256 of the home id under the council's key: the same home gets the same name from every hub, day after day. */
export function homePseudonym(councilKey: string, homeId: string): string {
  return createHmac('sha256', councilKey).update(`home\u0000${homeId}`).digest('hex').slice(0, PSEUDONYM_HEX_CHARS);
}

/**
 * What leaves the hub for one day: the pseudonym, the date and the measurements. No home id, resident, device,
 * room name or timezone. Counts are not suppressed here: the centre adds hubs together first and applies SPEC 7's
 * suppression to what it publishes (suppressing a single home's counts would wreck every sum).
 * `away`: the hub's routine review found the home in away mode in that feature day (`away_days`): `"away": true` among
 * the features, so that the centre's council report, like the hub's, does not count an empty flat (its resident in
 * hospital, its thermometer still reporting) as a home monitored (review, session 65).
 */
export function featuresBody(
  councilKey: string,
  day: DailyFeatures,
  away = false,
): { home: string; date: string; features: object } {
  const { homeId, date, ...features } = day;
  return { home: homePseudonym(councilKey, homeId), date, features: away ? { ...features, away: true } : features };
}

export interface UplinkFeaturesDeps {
  queue: UplinkQueue;
  councilKey: string;
  worker: ActivityWorker;
  homes(): readonly HomeConfig[];
  /** The dates `from..to` (YYYY-MM-DD, inclusive) the home spent in away mode (`awayDatesBetween`). */
  awayDates(homeId: string, fromDate: string, toDate: string): readonly string[];
  clock: Clock;
  logger: Logger;
  /** Called after days were queued, so the uplink sends them. */
  queued(): void;
  /** Tests only. */
  firstRunAfterMs?: number;
  everyMs?: number;
}

/** Once an hour, every home's completed days not yet queued are computed (in the analytics worker) and queued. */
export class UplinkFeatures {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly d: UplinkFeaturesDeps) {}

  start(): void {
    this.schedule(this.d.firstRunAfterMs ?? FIRST_RUN_AFTER_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(afterMs: number): void {
    if (this.stopped) return;
    this.timer = this.d.clock.setTimer(this.d.clock.now() + afterMs, () => {
      this.timer = undefined;
      void this.run().finally(() => this.schedule(this.d.everyMs ?? RUN_EVERY_MS));
    });
  }

  /** One home after the other; a home that fails is logged and tried again next hour. */
  private async run(): Promise<void> {
    for (const home of this.d.homes()) {
      if (this.stopped) return;
      try {
        await this.queueHome(home);
      } catch (err) {
        if (this.stopped) return;
        this.d.logger.warn({ err: String(err), homeId: home.id }, 'could not queue daily features for the centre');
      }
    }
  }

  private async queueHome(home: HomeConfig): Promise<void> {
    const now = this.d.clock.now();
    const last = lastCompleteDay(homeCalendar(home), now);
    const wanted: string[] = [];
    for (let day = last - FEATURE_CATCH_UP_DAYS + 1; day <= last; day++) {
      const date = dayToIsoDate(day);
      if (!this.d.queue.featureDayQueued(home.id, date)) wanted.push(date);
    }
    const [from, to] = [wanted.at(0), wanted.at(-1)];
    if (from === undefined || to === undefined) return;
    const days = await this.d.worker.homeActivity(home.id, from, to, now);
    if (this.stopped) return;
    // A day with no data at all is not sent, and looked at again next time (a bridge may still flush its buffer).
    const complete = days.filter((d) => wanted.includes(d.date));
    const away = new Set(this.d.awayDates(home.id, from, to));
    for (const day of complete) {
      const body = featuresBody(this.d.councilKey, day, away.has(day.date));
      this.d.queue.addFeatureDay(home.id, day.date, `features/${body.home}/${day.date}`, body, now);
    }
    if (complete.length > 0) this.d.queued();
  }
}
