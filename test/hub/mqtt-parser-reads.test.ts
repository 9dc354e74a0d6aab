// mqtt-packet's reads from bl (hub/mqtt-parser-reads.ts): bl's own results, nothing allocated per read, and packets
// split anywhere across TCP reads still parsed whole by the hub's broker.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { startTestHub } from '../support/in-process-hub.js';
import { cliPath, ONE_HOME_CONFIG, tempDir } from './helpers.js';

const dist = path.join(path.dirname(cliPath), '..');
const url = (file: string): string => pathToFileURL(path.join(dist, file)).href;

/** Runs an ES module script in a fresh node (a module cache of its own), as the compiled hub runs. */
function runScript(script: string): string {
  // A young generation far larger than what a measurement allocates, emptied before it (`gc()`): no scavenge can
  // fall inside a measurement and make the bytes it counts negative.
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-semi-space-size=64', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The script's preamble: bl's own methods, taken before the hub's graph loads, and the patched ones after. */
const PREAMBLE = `
  import { createRequire } from 'node:module';
  const require = createRequire(${JSON.stringify(url('hub/hub.js'))});
  const bl = createRequire(require.resolve('mqtt-packet'))('bl');
  const METHODS = ['readUInt8', 'readUInt16BE', 'toString'];
  const own = Object.fromEntries(METHODS.map((m) => [m, bl.prototype[m]]));
  // \`telecare hub\` loads hub/command.js, then, to start, hub/hub.js (session 74: not before): the patch must be
  // part of that graph.
  await import(${JSON.stringify(url('hub/command.js'))});
  await import(${JSON.stringify(url('hub/hub.js'))});
  const { mqttParserReadsState } = await import(${JSON.stringify(url('hub/mqtt-parser-reads.js'))});
  const now = Object.fromEntries(METHODS.map((m) => [m, bl.prototype[m]]));
`;

let hub: RunningHub | undefined;
let dir: string | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await hub?.stop();
  hub = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("mqtt-packet's reads from its receive buffer (bl)", () => {
  it("give bl's own results and errors, in range and out of it, across the chunks a socket delivered", () => {
    const out = runScript(`${PREAMBLE}
      // A small deterministic generator (no Math.random: the same lists every run).
      let seed = 12345;
      const next = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
      const outcome = (f) => { try { return JSON.stringify(['value', f()]); } catch (e) { return JSON.stringify(['error', e.code ?? e.name]); } };
      let compared = 0;
      const differences = [];
      for (let t = 0; t < 400; t++) {
        const list = bl();
        for (let parts = 1 + next(4), i = 0; i < parts; i++) {
          const chunk = Buffer.alloc(next(7));
          for (let j = 0; j < chunk.length; j++) chunk[j] = next(256);
          // Some text with multi-byte characters, split wherever the chunk ends.
          if (next(3) === 0) chunk.write('é€h1/ä', 'utf8');
          list.append(chunk);
        }
        if (next(3) === 0) list.consume(next(3));
        const offsets = [undefined, -3, -1, 0, 1, 2, 3, 5, 8, 13, list.length - 2, list.length - 1, list.length, list.length + 1];
        for (const at of offsets) {
          for (const m of ['readUInt8', 'readUInt16BE']) {
            compared++;
            const a = outcome(() => own[m].call(list, at));
            const b = outcome(() => now[m].call(list, at));
            if (a !== b) differences.push([m, at, a, b]);
          }
          for (const end of [undefined, -1, 0, 1, 2, 4, 7, list.length - 1, list.length, list.length + 2]) {
            for (const encoding of [undefined, 'utf8', 'hex', 'latin1']) {
              compared++;
              const a = outcome(() => own.toString.call(list, encoding, at, end));
              const b = outcome(() => now.toString.call(list, encoding, at, end));
              if (a !== b) differences.push(['toString', encoding, at, end, a, b]);
            }
          }
        }
      }
      console.log(JSON.stringify({ state: mqttParserReadsState(), compared, differences: differences.slice(0, 5) }));
    `);
    const { state, compared, differences } = JSON.parse(out) as {
      state: { installed: string };
      compared: number;
      differences: unknown[];
    };
    expect(state.installed).toBe('patched');
    expect(compared).toBeGreaterThan(100_000);
    expect(differences).toEqual([]);
  });

  it("allocate nothing per read in the hub's module graph (bl's own make a Buffer view each)", () => {
    const out = runScript(`${PREAMBLE}
      import v8 from 'node:v8';
      const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_used_size;
      // As mqtt-packet reads a PUBLISH: its header byte, the topic's length and text, the packet id.
      const list = bl();
      list.append(Buffer.from([0x32, 40, 0, 5]));
      list.append(Buffer.from('h1/ab\\u0000\\u0007{"type":"motion"}'));
      // Bytes per call of one read, as mqtt-packet makes them (its header byte, the topic's length and text).
      const perCall = (read) => {
        read();
        gc();
        const before = newSpace();
        for (let i = 0; i < 20000; i++) read();
        return (newSpace() - before) / 20000;
      };
      const reads = (m) => ({
        readUInt8: perCall(() => m.readUInt8.call(list, 0)),
        readUInt16BE: perCall(() => m.readUInt16BE.call(list, 2)),
        // Across the two chunks: its bytes come from both.
        readUInt16BEAcross: perCall(() => m.readUInt16BE.call(list, 3)),
        toString: perCall(() => m.toString.call(list, 'utf8', 4, 9)),
      });
      console.log(JSON.stringify({ own: reads(own), now: reads(now) }));
    `);
    type Reads = Record<'readUInt8' | 'readUInt16BE' | 'readUInt16BEAcross' | 'toString', number>;
    const { own, now } = JSON.parse(out) as { own: Reads; now: Reads };
    // bl's own reads make a Buffer view (and an offset array) each: tens of bytes a call.
    for (const bytes of [own.readUInt8, own.readUInt16BE, own.readUInt16BEAcross]) expect(bytes).toBeGreaterThan(32);
    // The numbers are read where they lie: nothing allocated (a few bytes a call would be a view in 20 calls).
    for (const bytes of [now.readUInt8, now.readUInt16BE, now.readUInt16BEAcross]) expect(bytes).toBeLessThan(4);
    // The text is the one thing a read must make (a five-byte string); bl's own makes a view of its bytes first.
    expect(now.toString).toBeLessThan(own.toString - 32);
  });

  it("mqtt-packet's parser, fed a stream of PUBLISHes in pieces of every size, gives back each packet whole", () => {
    const out = runScript(`${PREAMBLE}
      const mqtt = createRequire(require.resolve('aedes'))('mqtt-packet');
      const sent = [];
      for (let i = 0; i < 300; i++) {
        sent.push({
          cmd: 'publish',
          // Packet ids past 255 (both bytes read), topics with multi-byte characters, payloads past 127 bytes
          // (a two-byte remaining length) among them.
          messageId: 200 + i,
          qos: 1,
          dup: false,
          retain: false,
          topic: 'telecare/h' + i + '/devices/' + (i % 5 === 0 ? 'pièce-' : 'pir-') + i + '/events',
          payload: Buffer.from('{"type":"motion","value":' + (i % 2 === 0) + '}' + ' '.repeat(i % 3 === 0 ? 120 : 0)),
        });
      }
      const stream = Buffer.concat(sent.map((p) => mqtt.generate(p)));
      const parser = mqtt.parser();
      const got = [];
      parser.on('packet', (p) => got.push({ messageId: p.messageId, topic: p.topic, payload: p.payload.toString() }));
      parser.on('error', (e) => got.push({ error: e.message }));
      for (let at = 0, size = 1; at < stream.length; at += size, size = (size % 9) + 1) parser.parse(stream.subarray(at, at + size));
      const expected = sent.map((p) => ({ messageId: p.messageId, topic: p.topic, payload: p.payload.toString() }));
      console.log(JSON.stringify({ same: JSON.stringify(got) === JSON.stringify(expected), got: got.slice(0, 3), count: got.length }));
    `);
    const { same, got, count } = JSON.parse(out) as { same: boolean; got: unknown[]; count: number };
    expect({ same, count }, JSON.stringify(got)).toEqual({ same: true, count: 300 });
  });

  it('the broker, sent a stream of QoS 1 events in small pieces: each stored and acknowledged in order', async () => {
    dir = tempDir('parser-reads');
    // Each PIR repeats its one value 150 times within a second: past the chattering bound, those repeats would be
    // stored as counts (test/hub/chatter.test.ts), not rows; this test reads the parser through rows, so no bound.
    hub = await startTestHub(parseHubConfig(ONE_HOME_CONFIG), dir, { chatterMaxPerMinute: 0 });
    const firstId = hub.store.lastReservedId + 1;
    const field = (text: string): Buffer => {
      const body = Buffer.from(text, 'utf8');
      return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
    };
    const packet = (first: number, body: Buffer): Buffer => {
      const length = body.length < 128 ? [body.length] : [(body.length % 128) | 0x80, Math.floor(body.length / 128)];
      return Buffer.concat([Buffer.from([first, ...length]), body]);
    };
    const socket = net.connect(hub.ports.mqtt!, '127.0.0.1');
    socket.setNoDelay(true);
    sockets.push(socket);
    const pubackIds: number[] = [];
    let pending = Buffer.alloc(0);
    let connacked: () => void = () => undefined;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        if (pending[0] === 0x20) connacked();
        else if (pending[0] === 0x40) pubackIds.push(pending.readUInt16BE(2));
        pending = pending.subarray(4);
      }
    });
    await new Promise<void>((resolve, reject) => {
      connacked = resolve;
      socket.once('error', reject);
      socket.write(packet(0x10, Buffer.concat([field('MQTT'), Buffer.from([4, 0x02, 0, 60]), field('cut-sensor')])));
    });
    // Packet ids past 255 (both bytes read), payloads past 127 bytes (a two-byte remaining length) among them.
    const count = 300;
    const ids = Array.from({ length: count }, (_, i) => 200 + i);
    const stream = Buffer.concat(
      ids.map((id, i) => {
        // Every third one padded with JSON whitespace past 127 bytes.
        const pad = i % 3 === 0 ? ' '.repeat(120) : '';
        const payload = Buffer.from(`{"type":"motion",${pad}"value":${i % 2 === 0}}`);
        const device = i % 2 === 0 ? 'hall-pir' : 'kitchen-pir';
        return packet(
          0x32,
          Buffer.concat([field(`telecare/h1/devices/${device}/events`), Buffer.from([id >> 8, id & 0xff]), payload]),
        );
      }),
    );
    // Pieces of 1 to 9 bytes, each its own write a turn apart: packets cut at every position of their fields.
    for (let at = 0, size = 1; at < stream.length; at += size, size = (size % 9) + 1) {
      socket.write(stream.subarray(at, at + size));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await vi.waitFor(() => expect(pubackIds).toEqual(ids), { timeout: 30_000, interval: 20 });
    const reader = new Database(path.join(dir, 'data', 'hub.db'), { readonly: true });
    try {
      const rows = reader.prepare('SELECT device_id, value FROM events WHERE id >= ? ORDER BY id').all(firstId) as {
        device_id: string;
        value: string;
      }[];
      expect(rows).toEqual(
        ids.map((_, i) => ({ device_id: i % 2 === 0 ? 'hall-pir' : 'kitchen-pir', value: String(i % 2 === 0) })),
      );
    } finally {
      reader.close();
    }
  });
});
