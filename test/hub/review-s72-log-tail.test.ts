// Review, session 72: a hub whose standard output is stuck when it stops or fails, its reader released later. The
// lines waiting for stdout are written synchronously at exit (and after a `fatal` line), in order; the flush gave up
// once stdout had taken nothing for LOG_SYNC_FLUSH_MS, and what it cut was the end of the log: the lines that say why
// the hub stopped ("hub stopped", "hub could not start"). Now, at that point, the oldest lines left are dropped, one
// line says how many, and the newest are given one more LOG_SYNC_FLUSH_MS. Stdout here is a FIFO nobody reads (its
// 64 KiB full with the start's lines) until the hub tries the drop notice: the child is held at that write (a preload
// that watches `fs.writeSync`) until this test has emptied the FIFO, then reads it to its end. Before, the hub never
// tried a notice: the FIFO was read once the hub had ended, and held only the start's lines.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../alerts/helpers.js';
import { freePort, killChild, mqttClientOnceUp, pendantFlats, tempDir, writeConfig } from './helpers.js';
import { heldOrEnded, hubOnStuckStdout, jsonLines, NOTICE, type StuckHub } from './stuck-stdout.js';

let dir: string | undefined;
let child: ChildProcess | undefined;
let holder: net.Server | undefined;
const fds: number[] = [];

afterEach(async () => {
  await killChild(child);
  child = undefined;
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  if (holder) await new Promise((resolve) => holder!.close(resolve));
  holder = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `hubOnStuckStdout`, its child and FIFO ended and closed after each test. */
async function stuckHub(folder: string, config: string, mqttPort: number): Promise<StuckHub> {
  const stuck = await hubOnStuckStdout(folder, config, mqttPort);
  child = stuck.hub;
  fds.push(stuck.readEnd);
  return stuck;
}

it("keeps the stop's last lines, after a line saying how many were dropped, for a stuck stdout read again after the limit", async () => {
  dir = tempDir('review-s72-log-tail');
  const mqttPort = await freePort();
  const { hub, stderr, release } = await stuckHub(dir, writeConfig(dir, pendantFlats(1000)), mqttPort);
  // Started once its MQTT port takes a client.
  const client = await mqttClientOnceUp(mqttPort);
  expect(client).toBeDefined();
  await client!.endAsync(true);
  hub.kill('SIGTERM');
  await heldOrEnded(hub, stderr);
  const { cut, lines } = jsonLines(await release());
  await waitFor(() => hub.exitCode !== null || hub.signalCode !== null, `process ${hub.pid} to exit`, 60_000);
  expect({ code: hub.exitCode, signal: hub.signalCode }).toEqual({ code: 0, signal: null });
  // Before: the FIFO's 64 KiB of the start's lines only, the stop's not among them.
  expect(lines.at(-1)?.msg).toBe('hub stopped');
  expect(cut).toBe(false);
  const notices = lines.flatMap((line, at) => (line.msg === NOTICE ? [at] : []));
  expect(notices.length).toBe(1);
  const notice = lines[notices[0]!]!;
  expect({ level: notice.level, dropped: notice.droppedLines! > 0, bytes: notice.droppedBytes! > 0 }).toEqual({
    level: 40,
    dropped: true,
    bytes: true,
  });
  // The start's lines before it (what the FIFO held), the stop's after it.
  const after = lines.slice(notices[0]! + 1).map((line) => line.msg);
  expect(after).toContain('hub stopping');
  expect(lines.slice(0, notices[0]).map((line) => line.msg)).not.toContain('hub stopping');
}, 180_000);

it('keeps the fatal line of a failed start, after the drop notice, for a stuck stdout read again after the limit', async () => {
  dir = tempDir('review-s72-log-tail');
  // The MQTT port held by this process, as a Mosquitto would hold it: the start fails after its 1,000 flats' lines.
  holder = net.createServer();
  await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as net.AddressInfo).port;
  const { hub, stderr, release } = await stuckHub(dir, writeConfig(dir, pendantFlats(1000)), taken);
  await heldOrEnded(hub, stderr);
  const { cut, lines } = jsonLines(await release());
  await waitFor(() => hub.exitCode !== null || hub.signalCode !== null, `process ${hub.pid} to exit`, 60_000);
  expect({ code: hub.exitCode, signal: hub.signalCode }).toEqual({ code: 1, signal: null });
  expect(stderr()).toContain(`telecare hub: could not start: the MQTT port ${taken} is already in use`);
  // Before: the start's first lines only, the fatal one not among them.
  expect({ level: lines.at(-1)?.level, msg: lines.at(-1)?.msg }).toEqual({ level: 60, msg: 'hub could not start' });
  expect(cut).toBe(false);
  const notices = lines.flatMap((line, at) => (line.msg === NOTICE ? [at] : []));
  expect(notices.length).toBe(1);
  expect(lines[notices[0]!]!.droppedLines).toBeGreaterThan(0);
}, 180_000);
