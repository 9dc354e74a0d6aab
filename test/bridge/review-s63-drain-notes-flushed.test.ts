// Review, session 63. Story: the hub was away for minutes (an upgrade), and the bridge kept what the receiver sent
// meanwhile in its spool, a wearable's batches at one a second among them. The hub back, the bridge drains the spool,
// noting each event the broker takes ("delivered" lines, so that a restart does not send them again). Those notes were
// never flushed to disk for routine events, nor was the spool's removal at the end of the drain: a power cut in the
// drain or just after it brought the spool back whole at the next start, and every batch of the outage came again.
// The hub knows a batch sent again only among its last 128: the older ones were laid after the stream, and a fall
// among them was called out a second time. Now a routine note is flushed at least every 32 (at most those and the 64
// in flight come again) and the removal is flushed too.
// A power cut cannot be made in a test: what reaches the disk is read from the bridge's own system calls (strace), the
// real CLI on a socat pair, a real broker away then back.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  cliPath,
  killProcess,
  requireBuiltCli,
  startBroker,
  startSerialPair,
  waitFor,
  writeToSerial,
  type SerialPair,
  type TestBroker,
} from './helpers.js';
import { motion, wire } from './fixtures.js';
import { readSpool } from '../../firmware-bridge/event-spool.js';

const EVENTS = 200;
// strace is a Debian package of its own (and ptrace may be refused in a container): the story needs it.
const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p));

let dir: string | undefined;
let pair: SerialPair | undefined;
let broker: TestBroker | undefined;
let traced: ChildProcess | undefined;

beforeAll(requireBuiltCli);

afterEach(async () => {
  await killProcess(traced);
  await broker?.close();
  await killProcess(pair?.process);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = pair = broker = traced = undefined;
});

it.skipIf(STRACE === undefined)(
  'flushes its delivered notes every few events and the spool removal as it drains a long outage',
  async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-s63-drain-'));
    pair = await startSerialPair(dir, 'tty');
    const gone = await startBroker();
    const port = gone.port;
    await gone.close();
    const spool = path.join(dir, 'kept', 'rx.spool');
    const trace = path.join(dir, 'trace.txt');
    // The bridge under strace: its writes (whole: one may hold several lines since session 77), flushes and removals,
    // with the paths of their files.
    traced = spawn(
      STRACE!,
      ['-f', '-y', '-s', '1000000', '-e', 'trace=write,fsync,fdatasync,unlink,unlinkat', '-o', trace, process.execPath]
        .concat([cliPath, 'bridge', '--port', pair.hubEnd, '--framing', 'cobs', '--home', 'h1'])
        .concat(['--mqtt', `mqtt://127.0.0.1:${port}`, '--name', 'rx-hall', '--mqtt-reconnect-ms', '200'])
        .concat(['--status-interval-ms', '60000', '--spool', spool]),
      { stdio: ['ignore', 'pipe', 'ignore'], cwd: dir },
    );
    let log = '';
    traced.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor('bridge port open', () => /"port":"open"/.test(log), 30_000);
    // Minutes of a home's routine events while the hub is away, all kept in the spool.
    const frames = Array.from({ length: EVENTS }, (_, i) =>
      motion(`pir-${i % 10}`, Math.floor(i / 10) + 1, i % 2 === 0),
    );
    for (let i = 0; i < EVENTS; i += 20) writeToSerial(pair.receiverEnd, wire(...frames.slice(i, i + 20)));
    await waitFor('every event kept', () => fs.existsSync(spool) && readSpool(spool).events.length === EVENTS, 60_000);

    // The hub back: the bridge drains its spool, noting each delivery, and removes it once all are delivered.
    broker = await startBroker(port);
    await waitFor('the spool drained and removed', () => !fs.existsSync(spool), 60_000);
    const pid = Number(/^(\d+) /.exec(fs.readFileSync(trace, 'utf8'))?.[1]);
    const exited = new Promise<void>((resolve) => traced!.once('exit', () => resolve()));
    process.kill(pid, 'SIGTERM');
    await exited;

    // What a power cut at any moment of the drain would send again: the notes written since the spool's last flush.
    let unflushed = 0;
    let mostUnflushed = 0;
    let notes = 0;
    let removedAt = -1;
    let folderFlushedAfterRemoval = false;
    const lines = fs.readFileSync(trace, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const noted =
        line.includes(`write(`) && line.includes(`<${spool}>`) ? line.split('{\\"delivered\\"').length - 1 : 0;
      if (noted > 0) {
        notes += noted;
        unflushed += noted;
        mostUnflushed = Math.max(mostUnflushed, unflushed);
      } else if (/ f(data)?sync\(/.test(line) && line.includes(`<${spool}>`)) unflushed = 0;
      else if (/ unlink(at)?\(/.test(line) && line.includes(`"${spool}"`)) removedAt = i;
      else if (removedAt >= 0 && / f(data)?sync\(/.test(line) && line.includes(`<${path.dirname(spool)}>`))
        folderFlushedAfterRemoval = true;
    });
    expect(notes).toBeGreaterThanOrEqual(EVENTS - 64);
    // Before: every note of the drain unflushed (about 200), and the removal never flushed.
    expect(mostUnflushed).toBeLessThanOrEqual(32);
    expect(removedAt).toBeGreaterThanOrEqual(0);
    expect(folderFlushedAfterRemoval).toBe(true);
  },
  120_000,
);
