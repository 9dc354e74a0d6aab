// CASAS text format (`2010-11-04 00:03:50.209589 M004 ON [activity]`, local time) to replay lines.
import { ZoneClock } from '../rules/local-time.js';
import type { ReplayLine } from './replay.js';

const LINE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s+(\S+)\s+(\S+)/;

/**
 * Motion sensors (M…, MA…) are PIRs, D… door contacts, T… temperatures; light and battery channels
 * are not the resident's activity and are skipped. CASAS gives no rooms: possible-fall cannot place
 * the resident, the other rules work.
 */
export function casasLineParser(homeId: string, zone: ZoneClock): (text: string) => ReplayLine | undefined {
  return (text) => {
    const [, year, month, day, hour, minute, second, fraction, deviceId, reading] = LINE.exec(text) ?? [];
    if (deviceId === undefined || reading === undefined) return undefined;
    const wall = Date.UTC(
      Number(year),
      Number(month) - 1,
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
      fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0,
    );
    const ts = wall - zone.offsetAt(wall - zone.offsetAt(wall));
    const raw = reading.toUpperCase();
    if (/^MA?\d/.test(deviceId)) {
      return raw === 'ON' ? { ts, homeId, deviceId, type: 'motion', value: true, kind: 'motion' } : undefined;
    }
    if (/^D\d/.test(deviceId)) {
      if (raw !== 'OPEN' && raw !== 'CLOSE') return undefined;
      return { ts, homeId, deviceId, type: 'contact', value: raw === 'CLOSE', kind: 'door' };
    }
    if (/^T\d/.test(deviceId)) {
      const tempC = Number(reading);
      return Number.isFinite(tempC)
        ? { ts, homeId, deviceId, type: 'temperature', value: tempC, kind: 'climate' }
        : undefined;
    }
    return undefined;
  };
}
