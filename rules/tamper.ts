// tamper: a device reports its casing opened or that it was moved; medium, at once.
import type { RuleContext } from './context.js';
import type { DeviceState, HomeState } from './home-state.js';

export const tamperRule = {
  onTamper(h: HomeState, device: DeviceState, tampered: boolean, at: number, c: RuleContext): void {
    if (tampered === device.tampered) return;
    device.tampered = tampered;
    if (!tampered) return;
    c.raise(h, 'tamper', 'medium', at, { device, episodic: false, detail: { deviceKind: device.kind } });
  },
};
