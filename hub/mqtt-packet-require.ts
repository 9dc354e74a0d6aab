// How the hub reaches the modules that mqtt-packet itself loads (its `debug`, its `bl`), to adjust them before use.
import { createRequire } from 'node:module';

/**
 * The hub's `require`, mqtt-packet's resolved path, and a `require` that resolves as mqtt-packet does (the copies of
 * `debug` and `bl` it loads); undefined when mqtt-packet cannot be found.
 */
export function mqttPacketRequire():
  { require: NodeJS.Require; mqttPacketPath: string; fromMqttPacket: NodeJS.Require } | undefined {
  const require = createRequire(import.meta.url);
  try {
    const mqttPacketPath = require.resolve('mqtt-packet');
    return { require, mqttPacketPath, fromMqttPacket: createRequire(mqttPacketPath) };
  } catch {
    return undefined;
  }
}
