// Review, session 76. Story: the hub was away for a while (an upgrade, a restart after a power cut) and the bridge
// kept the home's routine events meanwhile, in its spool; the resident presses the pendant as the hub comes back. The
// bridge sent its queue in order, so the press went after every event kept before it: up to --max-queued (10,000) of
// them. Measured against the real hub on this machine, a press behind 5,000 kept events raised its alert 3.7 s after it
// was read, with the last of the drain (see PROTOCOL.md, session 76); on a Pi's SD card, many times that. Now an
// emergency goes ahead of the routine events waiting, behind only other emergencies and its own device's events (a
// detector's alarm never overtakes the older all-clear it follows).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { SpooledEvent } from '../../firmware-bridge/event-spool.js';
import {
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  stopRig,
  waitFor,
  writeToSerial,
  type BridgeRig,
} from './helpers.js';
import { pendantPress, wire } from './fixtures.js';
import { encodeWireFrame } from '../../firmware-bridge/frame-codec.js';

const rig: BridgeRig = {};

beforeAll(requireBuiltCli);

afterEach(() => stopRig(rig));

const KEPT = 300;

/** Kept by the last run while the broker was away: the hall's motion, and a smoke detector's all-clear among them. */
function keptEvents(): SpooledEvent[] {
  const t0 = Date.now() - KEPT * 60_000;
  return Array.from({ length: KEPT }, (_, i) => {
    const ts = new Date(t0 + i * 60_000).toISOString();
    return i === 100
      ? {
          topic: 'telecare/h1/devices/smoke1/events',
          payload: JSON.stringify({ type: 'smoke', value: false, ts }),
          urgent: false,
        }
      : {
          topic: 'telecare/h1/devices/hall/events',
          payload: JSON.stringify({ type: 'motion', value: i % 2 === 0, ts }),
          urgent: false,
        };
  });
}

it('sends a press read while the broker is away ahead of the events kept before it, its own device kept in order', async () => {
  rig.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s76-ahead-'));
  rig.pair = await startSerialPair(rig.dir, 'tty');
  const spool = path.join(rig.dir, 'rx.spool');
  fs.writeFileSync(
    spool,
    keptEvents()
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
    { mode: 0o600 },
  );
  // A port that nothing listens on yet: the hub is still coming back.
  const probe = await startBroker();
  const port = probe.port;
  await probe.close();
  rig.bridge = spawnBridge([
    '--port',
    rig.pair.hubEnd,
    '--framing',
    'cobs',
    '--home',
    'h1',
    '--mqtt',
    `mqtt://127.0.0.1:${port}`,
    '--name',
    'rx-hall',
    '--mqtt-reconnect-ms',
    '200',
    '--status-interval-ms',
    '60000',
    '--spool',
    spool,
    '--log-level',
    'debug',
  ]);
  const logs = rig.bridge.logs as { msg?: string; type?: string }[];
  await waitFor('the port open', () => logs.some((l) => l.msg === 'serial port open'));
  // The resident presses; the smoke detector, whose all-clear is among the kept events, sounds again.
  writeToSerial(
    rig.pair.receiverEnd,
    Buffer.concat([
      wire(pendantPress('p1', 1)),
      encodeWireFrame({
        frameType: 'event',
        seq: 1,
        deviceId: 'smoke1',
        eventType: 'smoke',
        value: { encoding: 'bool', value: true },
      }),
    ]),
  );
  await waitFor('both read', () => logs.filter((l) => l.msg === 'serial event').length === 2);

  // The hub back: the order in which it receives the events.
  rig.broker = await startBroker(port);
  const order: string[] = [];
  rig.broker.broker.on('publish', (packet) => {
    if (!packet.topic.endsWith('/events')) return;
    const { type, value } = JSON.parse(packet.payload.toString()) as { type: string; value: unknown };
    order.push(`${packet.topic.split('/')[3]}:${type}:${String(value)}`);
  });
  await waitFor('every event sent and the spool gone', () => order.length === KEPT + 2 && !fs.existsSync(spool));

  // Before: the press came after all 300 kept events (last but one). Now among the first sent (the broker may take
  // those it reads together in any order).
  expect(order.indexOf('p1:pendant:true')).toBeLessThan(64);
  // The alarm after the kept all-clear of its detector, and ahead of the kept events behind that.
  const allClear = order.indexOf('smoke1:smoke:false');
  const alarm = order.indexOf('smoke1:smoke:true');
  expect(allClear).toBeGreaterThan(0);
  expect(alarm).toBeGreaterThan(allClear);
  expect(alarm).toBeLessThan(KEPT / 2);
  expect(order.filter((e) => e === 'p1:pendant:true')).toHaveLength(1);
}, 60_000);
