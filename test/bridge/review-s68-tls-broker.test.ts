// Review, session 68: `telecare bridge --mqtt` kept a list of URL schemes of its own, shorter than the hub's and
// mqtt.js's: `tls://` and `ssl://` (TLS, as mqtt.js names it too) were refused, and the refusal echoed the URL, password
// and all. It now takes the hub's check (hub/env-values.ts brokerUrl), and `--ca` names the CA of a broker the system
// does not trust (the hub's own self-signed mqtt.crt, docs/security.md), so an installer can point a receiver on
// another machine at the hub's TLS port. The real CLI, a real aedes behind a TLS listener, a socat serial pair.
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { selfSignedPair, type SelfSignedPair } from '../support/tls.js';
import { tempDir } from '../hub/helpers.js';
import {
  BRIDGE_TOPICS,
  killProcess,
  requireBuiltCli,
  spawnBridge,
  startBroker,
  startSerialPair,
  startSubscriber,
  waitFor,
  writeToSerial,
  type BridgeProcess,
  type SerialPair,
  type Subscriber,
  type TestBroker,
} from './helpers.js';

let dir: string;
let certs: SelfSignedPair;
let broker: TestBroker | undefined;
let tlsServer: tls.Server | undefined;
let tlsPort: number;
/** TLS connections the broker took: none may come from a bridge that refused its URL. */
let tlsConnections = 0;
let subscriber: Subscriber | undefined;
let pair: SerialPair | undefined;
let bridge: BridgeProcess | undefined;

beforeAll(requireBuiltCli);

beforeEach(async () => {
  dir = tempDir('review-s68-tls-broker');
  certs = selfSignedPair(dir);
  broker = await startBroker();
  tlsConnections = 0;
  const aedes = broker.broker;
  tlsServer = tls.createServer({ cert: certs.cert, key: certs.key }, (socket) => {
    tlsConnections++;
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => tlsServer!.listen(0, '127.0.0.1', resolve));
  tlsPort = (tlsServer.address() as net.AddressInfo).port;
  subscriber = await startSubscriber(broker.port, BRIDGE_TOPICS);
});

afterEach(async () => {
  await killProcess(bridge?.child);
  await subscriber?.close();
  // A bridge's TLS socket is the broker's too: closing the broker ends it, then the listener can close.
  await broker?.close();
  await new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
  await killProcess(pair?.process);
  bridge = subscriber = broker = tlsServer = pair = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The bridge CLI run to its end (a refusal): exit code and everything it wrote. */
async function refused(args: string[]): Promise<{ code: number | null; output: string }> {
  bridge = spawnBridge(['--port', `${dir}/no-such-tty`, '--home', 'h1', ...args]);
  const code = await new Promise<number | null>((resolve) => bridge!.child.once('exit', (c) => resolve(c)));
  return { code, output: bridge.logs.map((line) => line.msg ?? '').join('\n') };
}

it.each(['tls', 'ssl', 'mqtts'])(
  'a bridge given %s:// and the broker CA connects over TLS and delivers a receiver event',
  async (scheme) => {
    pair = await startSerialPair(dir);
    bridge = spawnBridge([
      '--port',
      pair.hubEnd,
      '--home',
      'h1',
      '--name',
      'rx-annexe',
      '--mqtt',
      `${scheme}://127.0.0.1:${tlsPort}`,
      '--ca',
      certs.certFile,
    ]);
    await waitFor('the bridge online', () => subscriber!.lastStatus('rx-annexe')?.state === 'online');
    expect(tlsConnections).toBeGreaterThan(0);
    writeToSerial(pair.receiverEnd, '{"device":"annexe-pir","type":"motion","value":true}\n');
    const heard = await waitFor('the motion through the TLS broker', () =>
      subscriber!.on('telecare/h1/devices/annexe-pir/events').at(0),
    );
    expect(heard).toMatchObject({ type: 'motion', value: true });
  },
  60_000,
);

it('a scheme no MQTT client speaks is refused with the schemes to use, the URL (and its password) never echoed', async () => {
  const { code, output } = await refused(['--mqtt', `http://rx:hunter2-secret@127.0.0.1:${tlsPort}`]);
  expect(code).toBe(1);
  expect(output).toContain(
    "--mqtt must start with mqtt:// or mqtts:// (or ws://, wss://), e.g. mqtt://127.0.0.1:1884, not 'http://'",
  );
  expect(output).not.toContain('hunter2-secret');
  // A host and port with no scheme: told the URL to write, as the hub and the simulator tell it.
  const bare = await refused(['--mqtt', `localhost:${tlsPort}`]);
  expect(bare.code).toBe(1);
  expect(bare.output).toContain(
    `--mqtt must start with mqtt:// (or mqtts://, ws://, wss://): write mqtt://localhost:${tlsPort}`,
  );
  expect(tlsConnections).toBe(0);
}, 60_000);

it('--ca with a URL in clear, or a file that is no certificate, is refused saying why', async () => {
  const clear = await refused(['--mqtt', `mqtt://127.0.0.1:${tlsPort}`, '--ca', certs.certFile]);
  expect(clear.code).toBe(1);
  expect(clear.output).toContain('--ca is for a broker with TLS: give --mqtt an mqtts://');
  const key = await refused(['--mqtt', `mqtts://127.0.0.1:${tlsPort}`, '--ca', certs.keyFile]);
  expect(key.code).toBe(1);
  expect(key.output).toContain(`--ca ${certs.keyFile}: no PEM certificate in it`);
  expect(tlsConnections).toBe(0);
}, 60_000);
