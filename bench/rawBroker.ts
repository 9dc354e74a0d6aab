// The baseline for the latency figure, run as its own process: a bare aedes broker and one forwarding client.
// The client takes pendant presses from the native topic and republishes an alert-sized message, QoS 1
// retained, as the hub would; the bench measures it with the same client code it uses on the hub.
import net from 'node:net';
import { Aedes } from 'aedes';
import { connectMqtt } from '../simulate/mqttConnect.js';

async function main(): Promise<void> {
  const alertBytes = Number(process.argv[2] ?? 600);
  const broker = await Aedes.createBroker({ drainTimeout: 5_000 });
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const forwarder = await connectMqtt(`mqtt://127.0.0.1:${port}`, { clientId: 'raw-forwarder' });
  let sequence = 0;
  forwarder.on('message', (topic, payload) => {
    let event: { type?: unknown };
    try {
      event = JSON.parse(payload.toString()) as { type?: unknown };
    } catch {
      return;
    }
    if (event.type !== 'pendant') return;
    const homeId = topic.split('/')[1];
    const id = `raw-${++sequence}`;
    const body = JSON.stringify({ id, homeId, kind: 'pendant', severity: 'critical', state: 'raised', raisedAt: new Date().toISOString() });
    const padded = body.length < alertBytes ? body.slice(0, -1) + `,"pad":"${'x'.repeat(Math.max(0, alertBytes - body.length - 9))}"}` : body;
    forwarder.publish(`telecare/${homeId}/alerts/${id}`, padded, { qos: 1, retain: true });
  });
  await forwarder.subscribeAsync('telecare/+/devices/+/events', { qos: 1 });
  process.stdout.write(`${JSON.stringify({ port })}\n`);

  const stop = (): void => {
    forwarder.end(true);
    server.close();
    broker.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`raw broker: ${(err as Error).message}\n`);
  process.exit(1);
});
