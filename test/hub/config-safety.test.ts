// Configuration mistakes that used to start a hub that looked right but would miss or misroute an alert.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadHubConfig, parseHubConfig } from '../../hub/config.js';
import { hashPassword } from '../../hub/passwords.js';
import { tempDir } from './helpers.js';
import { atHubHashCost } from '../support/low-cost-hash.js';

// What a hash at the hub's own cost does is this file's subject: not the suite's low cost (session 63).
atHubHashCost();

function problemsOf(raw: unknown): string[] {
  try {
    parseHubConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const pendant = { id: 'p1', kind: 'pendant', room: 'living' };

describe('ids the hub could never hear', () => {
  it('are refused at start, naming the field: an invisible or control character in a home, device, Zigbee or resident id', () => {
    const problems = problemsOf({
      homes: [
        {
          // A zero-width space pasted from a care plan: the native topic's id is never equal to it.
          id: 'flat12\u200b',
          residents: [{ id: 'r1\u202e' }],
          devices: [
            { id: 'p1\u0007', kind: 'pendant' },
            { id: 'pir', zigbee: 'hall\u200bpir', kind: 'motion', room: 'hall\u0000' },
          ],
        },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^homes\[0\]\.id: .*invisible or control character/),
      expect.stringMatching(/^homes\[0\]\.residents\[0\]\.id: .*invisible or control character/),
      expect.stringMatching(/^homes\[0\]\.devices\[0\]\.id: .*invisible or control character/),
      expect.stringMatching(/^homes\[0\]\.devices\[1\]\.zigbee: .*invisible or control character/),
      expect.stringMatching(/^homes\[0\]\.devices\[1\]\.room: .*invisible or control character/),
    ]);
  });

  it('still allows every printable id, accents and other scripts included', () => {
    expect(
      problemsOf({
        homes: [{ id: 'flat-12é', devices: [{ id: 'pir.1', zigbee: 'cuisine/détecteur', kind: 'motion' }] }],
      }),
    ).toEqual([]);
  });
});

describe('rooms that carry meaning for the rules', () => {
  /** The rooms of a home whose motion sensors are in `rooms`, as the hub reads its configuration. */
  const parsedRooms = (rooms: string[]): (string | undefined)[] =>
    parseHubConfig({
      homes: [{ id: 'h1', devices: rooms.map((room, i) => ({ id: `d${i}`, kind: 'motion', room })) }],
    }).homes[0]!.devices.map((d) => d.room);

  it('keep it when written with capitals or spaces around ("Bathroom "): the bathroom rule watches that room', () => {
    expect(parsedRooms(['Bathroom ', 'BEDROOM', 'Garden Shed'])).toEqual(['bathroom', 'bedroom', 'Garden Shed']);
  });

  it('keep it when written as people write it ("Living room", "living_room", "WC", "Hallway")', () => {
    expect(parsedRooms(['Living room', 'living_room', 'WC', 'Hallway', 'Entry', 'Bedroom 2'])).toEqual([
      'living',
      'living',
      'toilet',
      'hall',
      'entrance',
      'Bedroom 2',
    ]);
    const other = [
      'Shower room',
      'Master bedroom',
      'Lavatory',
      'Kitchenette',
      'Corridor',
      'Foyer',
      'Family room',
      'Den',
    ];
    expect(parsedRooms(other)).toEqual([
      'bathroom',
      'bedroom',
      'toilet',
      'kitchen',
      'hall',
      'entrance',
      'living',
      'Den',
    ]);
  });
});

describe('escalation ladders', () => {
  const responders = [
    { id: 'cc-day', group: 'first' },
    { id: 'cc-sup', group: 'supervisors' },
  ];

  it('refuse a step naming a group no responder is in (a typo would escalate to nobody)', () => {
    const problems = problemsOf({
      homes: [{ id: 'h1', devices: [pendant] }],
      responders,
      escalation: {
        default: [
          { group: 'first', timeoutSeconds: 60 },
          { group: 'supervisers', timeoutSeconds: 120 },
        ],
      },
    });
    expect(problems).toEqual([
      "escalation.default[1].group: no responder is in group 'supervisers' (groups: first, supervisors)",
    ]);
  });

  it('refuse a ladder named for a severity that does not exist (it would never be used)', () => {
    const problems = problemsOf({
      homes: [{ id: 'h1', devices: [pendant] }],
      responders,
      escalation: { 'default:critcal': [{ group: 'first', timeoutSeconds: 30 }] },
    });
    expect(problems).toEqual([
      "escalation.default:critcal: unknown severity 'critcal' (a ladder is named <name> or <name>:critical, high, medium, low or info)",
    ]);
  });

  it('let a home name a ladder that is given per severity only', () => {
    const config = parseHubConfig({
      homes: [{ id: 'h1', escalation: 'night', devices: [pendant] }],
      responders,
      escalation: { 'night:critical': [{ group: 'supervisors', timeoutSeconds: 30 }] },
    });
    expect(config.homes[0]?.escalation).toBe('night');
  });

  it('still take ladder groups as labels when no responder is configured (alerts go to MQTT and the dashboard)', () => {
    expect(
      problemsOf({
        homes: [{ id: 'h1', devices: [pendant] }],
        escalation: { default: [{ group: 'first', timeoutSeconds: 60 }] },
      }),
    ).toEqual([]);
  });
});

describe('responders', () => {
  it('refuse a webhook URL that no request can be sent to (every alert would fail to reach that call centre)', () => {
    const webhook = (url: string) => ({ url, secret: 'a-secret-of-16-chars' });
    const problems = problemsOf({
      responders: [
        { id: 'ok', group: 'first', webhook: webhook('https://arc.example.org/telecare') },
        { id: 'no-host', group: 'first', webhook: webhook('https://') },
        { id: 'space', group: 'first', webhook: webhook('https://arc example.org/hook') },
      ],
    });
    expect(problems).toEqual([
      'responders[1].webhook.url: not a URL with a host name',
      'responders[2].webhook.url: not a URL with a host name',
    ]);
  });
});

describe('rule times that would leave a silent home unwatched', () => {
  const home = (rules: unknown) => ({ homes: [{ id: 'h1', residents: [{ id: 'r1' }], devices: [pendant], rules }] });

  it('refuse a silence limit over a day (minutes typed as seconds: 7200 is five days), naming the field', () => {
    expect(problemsOf(home({ inactivity: { capMinutes: 7200 }, bathroom: { coldStartDayMinutes: 3600 } }))).toEqual([
      'homes[0].rules.inactivity.capMinutes: 7200 minutes is over a day: the rule would wait that long before an alert (at most 1440)',
      'homes[0].rules.bathroom.coldStartDayMinutes: 3600 minutes is over a day: the rule would wait that long before an alert (at most 1440)',
    ]);
  });

  it('refuse an inactivity floor above its cap (the floor would be ignored without a word)', () => {
    expect(problemsOf(home({ inactivity: { floorMinutes: 240, capMinutes: 180 } }))).toEqual([
      'homes[0].rules.inactivity.floorMinutes: 240 is above capMinutes 180',
    ]);
    expect(problemsOf(home({ inactivity: { floorMinutes: 800 } }))).toEqual([
      'homes[0].rules.inactivity.floorMinutes: 800 is above capMinutes 720',
    ]);
  });

  it('refuse an outing bound whose minimum passes its maximum (no bound at all, without a word)', () => {
    // Review, session 31: an installer who raises outingBoundMinHours to a day turned the outing bound off.
    expect(problemsOf(home({ presence: { outingBoundMinHours: 24 } }))).toEqual([
      'homes[0].rules.presence.outingBoundMinHours: 24 is above outingBoundMaxHours 22, so an outing nothing ends would never end (set outingBoundMaxHours 0 to mean that)',
    ]);
    // Off on purpose, raised together, or called late within outingBoundLateMaxDays: all taken.
    expect(problemsOf(home({ presence: { outingBoundMinHours: 24, outingBoundMaxHours: 0 } }))).toEqual([]);
    expect(problemsOf(home({ presence: { outingBoundMinHours: 24, outingBoundMaxHours: 30 } }))).toEqual([]);
    expect(problemsOf(home({ presence: { outingBoundMinHours: 24, outingBoundLateMaxDays: 2 } }))).toEqual([]);
  });

  it('refuse a cold limit not below the heat limit (a warm room called cold)', () => {
    expect(problemsOf(home({ climate: { coldBelowC: 24, heatAboveC: 22 } }))).toEqual([
      'homes[0].rules.climate.coldBelowC: 24 is not below heatAboveC 22, so a room warmer than 22 °C would be called cold',
    ]);
    expect(problemsOf(home({ climate: { coldBelowC: 21, heatAboveC: 22 } }))).toEqual([]);
  });

  it('refuse a night window that starts when it ends (an empty night: no night-exit or out-of-bed alert, ever)', () => {
    const night = (start: string, end: string) => ({
      homes: [{ id: 'h1', residents: [{ id: 'r1' }], devices: [pendant], nightWindow: { start, end } }],
    });
    expect(problemsOf(night('23:00', '23:00'))).toEqual([
      "homes[0].nightWindow: starts and ends at 23:00, so the night is empty and the night rules (night-exit, out-of-bed-too-long) never run; give its end, e.g. '06:00'",
    ]);
    expect(problemsOf(night('22:30', '07:00'))).toEqual([]);
  });

  it('still take every default and a day-long limit', () => {
    expect(problemsOf(home({ inactivity: { capMinutes: 1440, floorMinutes: 1440 } }))).toEqual([]);
  });
});

describe('webhooks over plain http', () => {
  const responder = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
    id,
    group: 'first',
    webhook: { url, secret: 'a-secret-of-16-chars', ...extra },
  });

  it('are refused to a host other than this machine (alerts about a person would cross the network in clear), naming the opt-in', () => {
    const problems = problemsOf({
      responders: [
        responder('lan', 'http://192.168.1.20:8080/hook?token=t0ken', { allowPrivateNetwork: true }),
        responder('internet', 'http://arc.example.org/telecare'),
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^responders\[0\]\.webhook\.url: plain http:\/\/ .* use https:\/\/, or set responders\[0\]\.webhook\.allowPlainHttp/,
      ),
      expect.stringMatching(/^responders\[1\]\.webhook\.url: plain http:\/\//),
    ]);
    // The URL may carry the call centre's token: never echoed.
    expect(problems.join('\n')).not.toMatch(/t0ken|192\.168|example\.org/);
  });

  it('are taken to this machine (a local relay) and, with allowPlainHttp, to another host; https always', () => {
    expect(
      problemsOf({
        responders: [
          responder('relay', 'http://localhost:9000/hook', { allowPrivateNetwork: true }),
          responder('relay4', 'http://127.0.0.1:9000/hook', { allowPrivateNetwork: true }),
          responder('relay6', 'http://[::1]:9000/hook', { allowPrivateNetwork: true }),
          responder('vpn', 'http://10.8.0.1/hook', { allowPrivateNetwork: true, allowPlainHttp: true }),
          responder('arc', 'https://arc.example.org/telecare'),
        ],
      }),
    ).toEqual([]);
  });
});

describe('MQTT credentials', () => {
  it('refuse a passwordHash that no password can ever match, naming the user and never echoing the hash', async () => {
    const good = await hashPassword('a device password');
    const problems = problemsOf({
      mqttUsers: [
        { username: 'ok', passwordHash: good, role: 'installer' },
        { username: 'cut', passwordHash: good.slice(0, -8), role: 'installer' },
        { username: 'empty', passwordHash: 'scrypt$', role: 'installer' },
        { username: 'cost', passwordHash: good.replace('scrypt$8192$', 'scrypt$1000$'), role: 'installer' },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^mqttUsers\[1\]\.passwordHash: not a hash .*--hash-password/),
      expect.stringMatching(/^mqttUsers\[2\]\.passwordHash: not a hash .*--hash-password/),
      expect.stringMatching(/^mqttUsers\[3\]\.passwordHash: not a hash .*--hash-password/),
    ]);
    expect(problems.join('\n')).not.toContain(good.slice(20, 40));
  });

  it('refuse a scrypt cost so high that each device login would stall the broker for everyone', async () => {
    const good = await hashPassword('a device password');
    const problems = problemsOf({
      mqttUsers: [
        { username: 'slow', passwordHash: good.replace('scrypt$8192$8$10$', 'scrypt$8192$8$100000$'), role: 'device' },
      ],
    });
    expect(problems).toEqual([expect.stringMatching(/^mqttUsers\[0\]\.passwordHash: scrypt cost .* too high/)]);
  });
});

describe('the file as an editor saved it', () => {
  const config = { homes: [{ id: 'h1', residents: [{ id: 'r1' }], devices: [pendant] }] };

  it('takes a file that starts with a UTF-8 byte-order mark (Windows Notepad writes one)', () => {
    const dir = tempDir('config-bom');
    try {
      const file = path.join(dir, 'telecare.config.json');
      fs.writeFileSync(file, `\uFEFF${JSON.stringify(config, null, 2)}\n`);
      expect(loadHubConfig(file).homes.map((h) => h.id)).toEqual(['h1']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a UTF-16 file must be saved as UTF-8, instead of an unreadable JSON error', () => {
    const dir = tempDir('config-utf16');
    try {
      const file = path.join(dir, 'telecare.config.json');
      fs.writeFileSync(file, Buffer.from(`\uFEFF${JSON.stringify(config)}`, 'utf16le'));
      expect(() => loadHubConfig(file)).toThrow(/UTF-16.*save it as UTF-8/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a file that is not valid JSON', () => {
  const secret = 'WEBHOOKSECRETabcdef0123456789';
  const config = {
    homes: [{ id: 'h1', residents: [{ id: 'r1' }], devices: [pendant] }],
    responders: [{ id: 'cc', group: 'call-centre', webhook: { url: 'https://cc.example.org/hook', secret } }],
  };

  function problemOf(text: string): string {
    const dir = tempDir('config-json');
    try {
      const file = path.join(dir, 'telecare.config.json');
      fs.writeFileSync(file, text);
      try {
        loadHubConfig(file);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
        throw err;
      }
      throw new Error('the file was taken');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('is refused naming the line and column, never quoting the text there (a secret lost its quote)', () => {
    const text = JSON.stringify(config, null, 2);
    const problem = problemOf(text.replace(`"${secret}"`, secret));
    const line = text.split('\n').findIndex((l) => l.includes(secret)) + 1;
    // V8 quotes ten characters either side of an unexpected token: the start of the secret. The hub prints the
    // problem on stderr at start and logs it on a reload (SIGHUP).
    expect(problem).not.toContain(secret.slice(0, 6));
    expect(problem).toMatch(new RegExp(`^not valid JSON: unexpected character at line ${String(line)}, column \\d+`));
  });

  it('is refused with the line and column of other mistakes too, still never quoting the file', () => {
    const text = JSON.stringify(config, null, 2);
    // A stray backslash in the secret, a missing comma after it, a file cut short, a short file that is all quoted.
    const escape = problemOf(text.replace(secret, `WEBHOOK\\SECRET${secret}`));
    expect(escape).toMatch(/^not valid JSON: bad escaped character .*at line \d+, column \d+/i);
    const comma = problemOf(text.replace(`"${secret}"`, `"${secret}" "x": 1`));
    expect(comma).toMatch(/at line \d+, column \d+/);
    expect(problemOf(text.slice(0, text.indexOf('[') + 1))).toBe('not valid JSON: Unexpected end of JSON input');
    for (const problem of [escape, comma]) expect(problem).not.toContain('WEBHOOK');
    expect(problemOf('{"secret":SECRET}')).toBe('not valid JSON: unexpected character at line 1, column 11');
  });
});
