// sensor-offline: nothing from a device for 25 h, or Zigbee2MQTT says it is unavailable.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';
import { HOUR_MS } from './time.js';

function raiseOffline(h: HomeState, device: DeviceState, at: number, reason: string, c: RuleContext): void {
  if (device.offline) return;
  device.offline = true;
  // One open alert per home and kind: a second silent device is added to it by the alert service.
  h.open.delete('sensor-offline');
  c.raise(h, 'sensor-offline', 'low', at, {
    device,
    episodic: true,
    detail: { reason, lastSeenAt: Number.isNaN(device.lastSeenAt) ? null : new Date(device.lastSeenAt).toISOString() },
  });
}

export const sensorOfflineRule = {
  /** Any event from the device: it is alive. */
  onSeen(h: HomeState, device: DeviceState, at: number, c: RuleContext): void {
    device.lastSeenAt = at;
    c.arm(device.offlineSlot, at + h.params.sensorOffline.silentHours * HOUR_MS);
    if (device.offline) {
      device.offline = false;
      let anyOffline = false;
      for (const d of h.devices.values()) anyOffline ||= d.offline;
      if (!anyOffline) c.clear(h, 'sensor-offline', at, `device ${device.id} heard again`);
    }
  },

  onAvailability(h: HomeState, device: DeviceState, online: boolean, at: number, c: RuleContext): void {
    if (!online) raiseOffline(h, device, at, 'reported unavailable', c);
  },

  onTimer(h: HomeState, device: DeviceState, at: number, c: RuleContext): void {
    raiseOffline(h, device, at, `silent for ${h.params.sensorOffline.silentHours} h`, c);
  },
};
