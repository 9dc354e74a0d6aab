// The floor under any hub written in Node: a pass-through relay, run as its own process. It reads every device event
// (as a hub must), parses it, and answers a pendant press with an alert-shaped message on the alert topic (QoS 1,
// retained, as the hub publishes alerts): no rules, no storage, no API. `embedded`: an aedes broker in the same process
// (as `npm start`); `client URL`: an MQTT client of another broker (as HUB_MQTT_URL). The bench measures it with the
// same presses as the hub, so the hub's p99 is read against what one Node process in the path costs by itself.
import '../hub/mqtt-debug.js';
import { Aedes } from 'aedes';
import { connectMqtt } from '../simulate/mqttConnect.js';
import { serveAedes } from './aedesServer.js';
import { alertShapedMessage } from './latency.js';

const EVENTS = /^telecare\/([^/]+)\/devices\/[^/]+\/events$/;
let next = 0;

/** The alert a press answers with, or undefined: not a device event, not JSON, not a pendant press. */
function answer(topic: string, payload: Buffer, padTo: number): { topic: string; payload: string } | undefined {
  const match = EVENTS.exec(topic);
  if (!match) return undefined;
  let event: { type?: unknown; value?: unknown };
  try {
    event = JSON.parse(payload.toString()) as { type?: unknown; value?: unknown };
  } catch {
    return undefined;
  }
  if (event.type !== 'pendant' || event.value !== true) return undefined;
  // As large as the hub's alert, so the delivery carries the same bytes.
  return alertShapedMessage(match[1] ?? '', `relay-${process.pid}-${next++}`, padTo);
}

async function embedded(padTo: number): Promise<() => Promise<void>> {
  const broker = await Aedes.createBroker({ drainTimeout: 5_000 });
  broker.on('publish', (packet, client) => {
    // Only a client's publish (not the relay's own alert, which aedes also reports here).
    if (!client) return;
    const alert = answer(packet.topic, packet.payload as Buffer, padTo);
    if (!alert) return;
    broker.publish(
      { cmd: 'publish', topic: alert.topic, payload: Buffer.from(alert.payload), qos: 1, retain: true, dup: false },
      () => undefined,
    );
  });
  const { port, stop } = await serveAedes(broker);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  return stop;
}

async function client(url: string, padTo: number): Promise<() => Promise<void>> {
  const mqtt = await connectMqtt(url, { clientId: `bench-relay-${process.pid}` });
  mqtt.on('message', (topic, payload) => {
    const alert = answer(topic, payload, padTo);
    if (alert) mqtt.publish(alert.topic, alert.payload, { qos: 1, retain: true });
  });
  await mqtt.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  return () => mqtt.endAsync();
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  const padTo = Number(process.env.RELAY_ALERT_BYTES ?? 600);
  const url = rest[0];
  if (mode !== 'embedded' && !(mode === 'client' && url)) {
    throw new Error('usage: relay.js embedded | relay.js client mqtt://host:port');
  }
  const stop = mode === 'embedded' ? await embedded(padTo) : await client(url ?? '', padTo);
  const end = (): void => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', end);
  process.once('SIGINT', end);
}

main().catch((err: unknown) => {
  process.stderr.write(`relay: ${(err as Error).message}\n`);
  process.exit(1);
});
