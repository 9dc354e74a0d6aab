// The uplink's settings from the environment: what a careful installer may set, and a clear error for the rest.
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../hub/main.js';
import { redactUplinkUrl, uplinkSettingsFromEnv } from '../../hub/uplink-settings.js';

const cwd = '/srv/hub';
const good = {
  HUB_UPLINK_URL: 'mqtts://arc.example.org:8883',
  HUB_ID: 'scheme-42',
  HUB_UPLINK_USER: 'scheme-42',
  HUB_UPLINK_PASSWORD: 'a long secret',
};

describe('uplink settings', () => {
  it('are absent without HUB_UPLINK_URL, and read in full with it', () => {
    expect(uplinkSettingsFromEnv({}, cwd)).toBeUndefined();
    expect(
      uplinkSettingsFromEnv({ ...good, HUB_UPLINK_CA: 'certs/arc-ca.pem', HUB_COUNCIL_KEY: 'k'.repeat(32) }, cwd),
    ).toEqual({
      url: 'mqtts://arc.example.org:8883',
      hubId: 'scheme-42',
      username: 'scheme-42',
      password: 'a long secret',
      caFile: '/srv/hub/certs/arc-ca.pem',
      councilKey: 'k'.repeat(32),
      maxQueue: 100_000,
    });
    expect(resolveSettings({}, good, cwd).uplink?.hubId).toBe('scheme-42');
  });

  it.each([
    [{ ...good, HUB_UPLINK_URL: 'arc.example.org:8883' }, /HUB_UPLINK_URL must start with mqtts:\/\//],
    [{ ...good, HUB_UPLINK_URL: 'not a url' }, /HUB_UPLINK_URL is not a URL/],
    [{ ...good, HUB_UPLINK_URL: 'https://arc.example.org' }, /must start with mqtts:\/\//],
    [{ ...good, HUB_UPLINK_URL: 'mqtts://user:pw@arc.example.org' }, /must not carry a user or password/],
    [{ ...good, HUB_ID: '' }, /HUB_ID must be set with HUB_UPLINK_URL/],
    [{ ...good, HUB_ID: 'a/b' }, /HUB_ID 'a\/b' is not allowed/],
    [{ ...good, HUB_ID: 'hub.1' }, /HUB_ID 'hub.1' is not allowed/],
    [{ ...good, HUB_UPLINK_USER: '' }, /HUB_UPLINK_PASSWORD is set without HUB_UPLINK_USER/],
    [{ ...good, HUB_UPLINK_URL: 'mqtt://arc.example.org', HUB_UPLINK_CA: 'ca.pem' }, /the CA is for TLS/],
    [{ ...good, HUB_COUNCIL_KEY: 'short' }, /HUB_COUNCIL_KEY is too short/],
    [{ ...good, HUB_UPLINK_MAX_QUEUE: '10' }, /HUB_UPLINK_MAX_QUEUE must be a whole number, at least 100/],
    [{ HUB_UPLINK_PASSWORD: 'x' }, /HUB_UPLINK_PASSWORD is set but HUB_UPLINK_URL is not/],
  ])('refuse %o with a message naming the setting', (env, message) => {
    expect(() => uplinkSettingsFromEnv(env, cwd)).toThrow(message);
  });

  it('never repeat the password in an error or in the URL shown', () => {
    let message = '';
    try {
      uplinkSettingsFromEnv({ ...good, HUB_UPLINK_URL: 'mqtts://u:hunter2@arc.example.org' }, cwd);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain('hunter2');
    expect(redactUplinkUrl('mqtts://u:hunter2@arc.example.org:8883')).toBe('mqtts://arc.example.org:8883');
  });
});
