// Which ladder an alert climbs: named per severity, named for the home, or the defaults; info records never climb.
import { describe, expect, it } from 'vitest';
import type { HubConfig } from '../../hub/config-types.js';
import { ladderFor } from '../../hub/alerts/ladder.js';

const config: HubConfig = {
  hub: { name: 'ladder', zigbeeBaseTopic: 'zigbee2mqtt' },
  homes: [{ id: 'h1', timezone: 'UTC', residents: [], devices: [], escalation: 'night' } as never],
  responders: [
    { id: 'ann', group: 'first' },
    { id: 'bob', group: 'second' },
  ],
  escalation: {
    night: [
      { group: 'first', timeoutSeconds: 30 },
      { group: 'second', timeoutSeconds: 60 },
    ],
    'night:critical': [{ group: 'second', timeoutSeconds: 10 }],
  },
  mqttUsers: [],
};

describe('ladderFor', () => {
  it("takes the severity's own ladder, else the home's ladder", () => {
    expect(ladderFor(config, 'h1', 'critical')).toEqual([{ group: 'second', timeoutSeconds: 10 }]);
    expect(ladderFor(config, 'h1', 'high')).toEqual(config.escalation.night);
  });

  it("never escalates an info record through the home's general ladder: first group, no timeout", () => {
    expect(ladderFor(config, 'h1', 'info')).toEqual([{ group: 'first', timeoutSeconds: 0 }]);
  });

  it('escalates an info record only through a ladder named for it', () => {
    const withInfo = {
      ...config,
      escalation: { ...config.escalation, 'night:info': [{ group: 'first', timeoutSeconds: 900 }] },
    };
    expect(ladderFor(withInfo, 'h1', 'info')).toEqual([{ group: 'first', timeoutSeconds: 900 }]);
  });
});
