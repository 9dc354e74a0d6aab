// Review, session 58: rejected sensor input is logged at most once a minute per device, and now also at most
// LOG_LINES_PER_MINUTE lines a minute in all: a sender inventing a new device id for each bad message (a device
// credential may publish under any id of its flat; a radio receiver decoding noise does the same) wrote one line each.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../hub/clock.js';
import { DeviceIndex, parseHubConfig } from '../../hub/config.js';
import { Ingest } from '../../hub/ingest.js';
import { createMetricsRegistry } from '../../hub/metrics.js';
import { ONE_HOME_CONFIG } from './helpers.js';
import { capturingLogger } from '../support/captured-log.js';

/** Rejection lines a minute in all (`REJECTION_LINES_PER_MINUTE` in hub/ingest.ts). */
const LINES_PER_MINUTE = 60;

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 10, 22, 8, 0, 0));
  const logLines: string[] = [];
  const metrics = createMetricsRegistry();
  const config = parseHubConfig(ONE_HOME_CONFIG);
  const ingest = new Ingest({
    config,
    index: new DeviceIndex(config),
    clock,
    logger: capturingLogger(logLines, 'info'),
    metrics,
  });
  const badJsonCount = async (): Promise<number> => {
    const metric = await metrics.getSingleMetric('telecare_ingest_rejected_total')!.get();
    return metric.values.find((v) => v.labels.reason === 'bad-json')?.value ?? 0;
  };
  const rejectionLines = (): Record<string, unknown>[] =>
    logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => String(line.msg).startsWith('input rejected'));
  return { clock, ingest, badJsonCount, rejectionLines };
}

describe('rejected input under made-up device ids', () => {
  it('is counted every time but logged at most a bounded number of lines a minute, with how many went unlogged', async () => {
    const { clock, ingest, badJsonCount, rejectionLines } = setup();
    for (let i = 0; i < 1000; i++) ingest.fromMqtt(`telecare/h1/devices/made-up-${i}/events`, Buffer.from('not json'));
    expect(await badJsonCount()).toBe(1000);
    expect(rejectionLines()).toHaveLength(LINES_PER_MINUTE);

    // A minute on: logged again, saying how many rejections the last minute did not log.
    clock.advanceBy(60_000);
    ingest.fromMqtt('telecare/h1/devices/made-up-1000/events', Buffer.from('not json'));
    expect(rejectionLines()).toHaveLength(LINES_PER_MINUTE + 1);
    expect(rejectionLines().at(-1)).toMatchObject({
      device: 'h1/made-up-1000',
      reason: 'bad-json',
      notLoggedSinceLastLine: 1000 - LINES_PER_MINUTE,
    });
  });

  it('a device not logged for want of room in the minute is logged in the next', () => {
    const { clock, ingest, rejectionLines } = setup();
    for (let i = 0; i < LINES_PER_MINUTE; i++)
      ingest.fromMqtt(`telecare/h1/devices/made-up-${i}/events`, Buffer.from('not json'));
    // The configured PIR goes wrong just then: no room left this minute.
    ingest.fromMqtt('telecare/h1/devices/hall-pir/events', Buffer.from('not json'));
    expect(rejectionLines().some((line) => line.device === 'h1/hall-pir')).toBe(false);
    clock.advanceBy(60_000);
    ingest.fromMqtt('telecare/h1/devices/hall-pir/events', Buffer.from('not json'));
    expect(rejectionLines().at(-1)).toMatchObject({ device: 'h1/hall-pir', notLoggedSinceLastLine: 1 });
  });
});
