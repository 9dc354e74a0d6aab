// Device setup: devices configured per home, and devices the hub has seen that nobody configured, with what to do
// next at each step of an installer's first hour (an empty hub, a first event, a line to paste into the file).
import { api, el, formatTime, startPageWhenReachable } from '/assets/common.js';

/** The kinds a configured device may have (docs/telecare.config.schema.json). */
const KINDS =
  'motion, door, exit-door, bed, chair, pendant, wearable, smoke, co, gas, water, climate, appliance or other';
/** How often the page looks for newly heard devices: an installer waits for a first event. */
const REFRESH_MS = 10_000;

function when(ms) {
  return ms ? formatTime(new Date(ms).toISOString()) : '';
}

function table(caption, headers, rows, rowAttrs = () => ({})) {
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      {},
      el('caption', { class: 'visually-hidden' }, caption),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headers.map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map((r, n) =>
          el(
            'tr',
            rowAttrs(n),
            // Nothing reported or given (no battery yet, no Zigbee name): a dash, not a blank that reads as not loaded.
            r.map((c, i) =>
              el('td', { 'data-label': headers[i] }, c === null || c === undefined || c === '' ? '—' : c),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * An id for a Zigbee2MQTT device, from its friendly name: a device id has no `/`, `+`, `#`, space or invisible
 * character (docs/telecare.config.schema.json), which friendly names often have ("Living room PIR", "kitchen/pir").
 */
function idFromFriendlyName(name) {
  const id = name
    .replace(/[/+#\s\p{C}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return id || 'zigbee-device';
}

/**
 * The device's line for the configuration file, its kind and room left for the installer to choose; pasted as it is,
 * it passes --check-config. Each name is written as JSON writes it: a colon or comma in a name is kept as it is.
 */
function configLine(device) {
  // Zigbee2MQTT devices are known by their friendly name; the id is ours to choose (the name is a fair start).
  const entry =
    device.source === 'zigbee'
      ? { id: idFromFriendlyName(device.deviceId), zigbee: device.deviceId }
      : { id: device.deviceId };
  entry.kind = '…';
  entry.room = '…';
  const fields = Object.entries(entry).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  return `{${fields.join(', ')}}`;
}

/** What to paste where, per unconfigured device. */
function pasteList(unassigned, homes) {
  const known = new Set(homes.map((h) => h.id));
  return el(
    'ul',
    { class: 'plain', 'aria-label': 'Lines for the configuration file' },
    unassigned.map((d) => {
      const where = d.homeId
        ? known.has(d.homeId)
          ? `into "devices" of home ${d.homeId}`
          : `into "devices" of a new home with "id": "${d.homeId}" (this home is not configured yet)`
        : 'into "devices" of its home';
      const near = nearConfiguredDevice(d, homes);
      const nearHome = d.homeId && !known.has(d.homeId) ? nearConfiguredHome(d.homeId, homes) : undefined;
      if (nearHome) return el('li', { class: 'card', 'data-device': d.deviceId }, nearHomeAdvice(d, nearHome));
      return el(
        'li',
        { class: 'card', 'data-device': d.deviceId },
        near
          ? el(
              'p',
              { class: 'case-differs' },
              near.how === 'capitals'
                ? `${d.deviceId}: already configured as "${near.name}" (${near.where}), which differs only in capitals: ` +
                    `names are matched exactly, so write "${d.deviceId}" there instead of adding it again.`
                : `${d.deviceId}: is it "${near.name}" (${near.where}), one character apart? Names are matched ` +
                    `exactly, so if it is that device, correct the name where it is mistyped (in the device's ` +
                    `setting, or write "${d.deviceId}" in the file) instead of adding it again.`,
            )
          : el('p', {}, `${d.deviceId}: add `, el('code', {}, configLine(d)), ` ${where}.`),
      );
    }),
  );
}

/**
 * How a name heard is near a configured one: 'capitals' when they differ only in capitals (session 59, 62), 'slip' when
 * one character apart, capitals aside (one added, dropped or changed, or two neighbours swapped: `flat12` for
 * `flat-12`, `pendnt` for `pendant`, `hall-pir` for `hall_pir`), with the same digits in the same order and four
 * characters at least (`flat-13` beside `flat-12` is a scheme's next flat, `p2` beside `p1` its next pendant; session
 * 73). Else undefined.
 */
function nearness(heard, name) {
  if (heard === name) return undefined;
  const x = heard.toLowerCase();
  const y = name.toLowerCase();
  if (x === y) return 'capitals';
  if (Math.min(x.length, y.length) < 4 || Math.abs(x.length - y.length) > 1) return undefined;
  if (x.replace(/\D/g, '') !== y.replace(/\D/g, '')) return undefined;
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  if (x.length === y.length) {
    if (x.slice(i + 1) === y.slice(i + 1)) return 'slip';
    return x[i] === y[i + 1] && x[i + 1] === y[i] && x.slice(i + 2) === y.slice(i + 2) ? 'slip' : undefined;
  }
  const [longer, shorter] = x.length > y.length ? [x, y] : [y, x];
  return longer.slice(i + 1) === shorter.slice(i) ? 'slip' : undefined;
}

/**
 * A configured home whose id is near the one heard (`Flat-3`, `flat3` for `flat-3`): `{ home, how }`, or undefined. One
 * that differs only in capitals comes first.
 */
function nearConfiguredHome(homeId, homes) {
  let found;
  for (const home of homes) {
    const how = nearness(homeId, home.id);
    if (how === 'capitals') return { home, how };
    if (how && !found) found = { home, how };
  }
  return found;
}

/**
 * A device heard for a home written near the configured one (other capitals, or one character apart: `flat12` for
 * `flat-12`): home ids are matched exactly, so it must send its events for the configured home, and be added there,
 * not to a new home (which would split the flat's sensors over two homes; session 62, 73). The device's own id kept as
 * configured there when the home has it already.
 */
function nearHomeAdvice(d, { home, how }) {
  const heard = d.deviceId.toLowerCase();
  const configured = (home.devices || []).find((device) => device.id.toLowerCase() === heard);
  const topic = `telecare/${home.id}/devices/${configured ? configured.id : d.deviceId}/events`;
  const differs = how === 'capitals' ? 'which differs only in capitals' : 'one character apart';
  const start =
    `${d.deviceId}: heard for home "${d.homeId}", configured as "${home.id}", ${differs}: homes ` +
    `are matched exactly, so have it send its events for "${home.id}" (topic ${topic})`;
  return configured
    ? el('p', { class: 'case-differs' }, `${start}, where it is already configured, not a new home.`)
    : el(
        'p',
        { class: 'case-differs' },
        `${start} and add `,
        el('code', {}, configLine(d)),
        ` into "devices" of home ${home.id}, not a new home.`,
      );
}

/**
 * A configured device whose name is near the one heard: differing only in capitals (a Zigbee2MQTT friendly name typed
 * `hall_pir` for `Hall_PIR`, a native id of the same home; session 59), or one character apart (`pendnt` for
 * `pendant`; session 73). Adding the heard one again would make two devices of one, the configured one never heard.
 * `{ name, where, how }`, or undefined; a name differing only in capitals comes first.
 */
function nearConfiguredDevice(d, homes) {
  let found;
  for (const home of homes) {
    for (const device of home.devices || []) {
      let near;
      if (!d.homeId && typeof device.zigbee === 'string') {
        const how = nearness(d.deviceId, device.zigbee);
        if (how) near = { name: device.zigbee, where: `the Zigbee2MQTT name of ${device.id} in home ${home.id}`, how };
      } else if (d.homeId === home.id) {
        const how = nearness(d.deviceId, device.id);
        if (how) near = { name: device.id, where: `a device id of home ${home.id}`, how };
      }
      if (near?.how === 'capitals') return near;
      if (near && !found) found = near;
    }
  }
  return found;
}

/** Devices already listed: one heard for the first time is said (a polite live region), not the list each time. */
let listed = null;

/** The unassigned devices, and how many heard the hub no longer lists (it keeps the most recent). */
async function fetchUnassigned() {
  let notListed = 0;
  const unassigned = await api('/api/devices/unassigned', {
    onResponse: (res) => (notListed = Number(res.headers.get('x-unassigned-not-listed')) || 0),
  });
  return { unassigned, notListed };
}

function showUnassigned({ unassigned, notListed }, homes) {
  const fresh = listed ? unassigned.filter((d) => !listed.has(`${d.homeId} ${d.deviceId}`)) : [];
  listed = new Set(unassigned.map((d) => `${d.homeId} ${d.deviceId}`));
  if (fresh.length)
    document.getElementById('devices-news').textContent =
      `First event from ${fresh.map((d) => d.deviceId).join(', ')}: listed under devices seen but not configured.`;
  const status = document.getElementById('unassigned-status');
  status.textContent = `Checked at ${formatTime(new Date().toISOString())}; checked again every 10 seconds.`;
  document.getElementById('unassigned').replaceChildren(
    ...(unassigned.length
      ? [
          table(
            'Unassigned devices',
            ['Device', 'Home', 'Source', 'Events', 'First seen', 'Last seen'],
            unassigned.map((d) => [
              d.deviceId,
              d.homeId ?? '(none: Zigbee)',
              d.source,
              d.count,
              when(d.firstSeenAt),
              when(d.lastSeenAt),
            ]),
          ),
          ...(notListed > 0
            ? [
                el(
                  'p',
                  { class: 'muted' },
                  `And ${notListed} more heard earlier, no longer listed: the hub keeps the 100 most recently heard of each home and 1,000 in all.`,
                ),
              ]
            : []),
          el('p', {}, `To configure them, choose each one's kind (${KINDS}) and its room, then add:`),
          pasteList(unassigned, homes),
          el(
            'p',
            { class: 'muted' },
            'Then check the file with ',
            el('code', {}, 'npx telecare hub --check-config'),
            ' and reload it (on the hub: ',
            el('code', {}, reloadCommand()),
            ', or restart the hub).',
          ),
        ]
      : [
          el(
            'p',
            {},
            homes.length
              ? 'None: every device the hub has heard from is configured.'
              : 'No device has been heard from yet. Send a first event (see "Connecting a sensor" below): it shows here.',
          ),
        ]),
  );
}

/** How long ago, in words a person reads at a glance: "just now", "12 min ago", "5 h ago", "3 days ago". */
function ago(seconds) {
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} days ago`;
}

/**
 * When the rules last heard the device, and whether they hold it offline (past its silence bound, or Zigbee2MQTT
 * said so): "12 min ago", "3 days ago — offline", "never heard"; the local time of the report on hover (session 34).
 * The age is the hub's count (`silentForS`), not this screen's clock.
 */
function lastHeard(d) {
  const words = d.lastHeardAt === null || d.silentForS === null ? 'never heard' : ago(d.silentForS);
  const text = [words, d.offline ? 'offline' : '', d.tamperedAt ? `opened or moved at ${formatTime(d.tamperedAt)}` : '']
    .filter(Boolean)
    .join(' — ');
  return el(
    'span',
    {
      class: d.offline || d.tamperedAt ? 'error' : undefined,
      title: d.lastHeardAt ? `Last heard ${formatTime(d.lastHeardAt)}` : undefined,
    },
    text,
  );
}

/** Its latest battery report: "80 %", "12 % — low", "low" (a device that only flags it), or nothing. */
function battery(d) {
  if (d.battery === null) return d.batteryLow ? el('span', { class: 'error' }, 'low') : '';
  return d.batteryLow ? el('span', { class: 'error' }, `${d.battery} % — low`) : `${d.battery} %`;
}

/** Its kind, and for a door the rules took for the way out (no exit door configured), that it was learned. */
function kind(d) {
  if (!d.wayOutLearned) return d.kind;
  return el(
    'span',
    { title: 'Learned from the resident’s outings: mark it "kind": "exit-door" in the configuration to be sure' },
    `${d.kind} — learned: the way out`,
  );
}

/**
 * Offline or opened (tampered) first, then never heard, then the rest in the configuration's order: a dead or opened
 * device stands out.
 */
function byAttention(devices) {
  const rank = (d) => (d.offline || d.tamperedAt ? 0 : d.lastHeardAt === null ? 1 : 2);
  return devices
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map(({ d }) => d);
}

function deviceTable(home) {
  // A dashboard without rules says nothing of last heard: the configuration alone.
  if (!home.devices.some((d) => 'lastHeardAt' in d))
    return table(
      `Devices of ${home.id}`,
      ['Device', 'Kind', 'Room', 'Zigbee name', 'Resident'],
      home.devices.map((d) => [d.id, d.kind, d.room, d.zigbee, d.residentId]),
    );
  const devices = byAttention(home.devices);
  const offline = devices.filter((d) => d.offline);
  const opened = devices.filter((d) => d.tamperedAt);
  const wayOut = devices.filter((d) => d.wayOutLearned);
  return el(
    'div',
    {},
    wayOut.length
      ? el(
          'p',
          { 'data-way-out-learned': '' },
          `No exit door is marked in ${home.id}: the hub learned from the resident’s outings that `,
          `${wayOut.map((d) => d.id).join(' and ')} ${wayOut.length === 1 ? 'is' : 'are'} the way out. Mark `,
          wayOut.length === 1 ? 'it ' : 'them ',
          el('code', {}, '"kind": "exit-door"'),
          ' in the configuration to be sure.',
        )
      : null,
    offline.length
      ? el(
          'p',
          { class: 'error', 'data-offline-summary': '' },
          `${offline.length === 1 ? '1 device is' : `${offline.length} devices are`} offline: ${offline.map((d) => d.id).join(', ')}.`,
        )
      : null,
    // Told to the installer, who reads no alert and is the one to close the casing or put the sensor back (review,
    // session 65, round 2): until the device reports being closed or put back, the tamper alert closed or not (session 67).
    opened.length
      ? el(
          'p',
          { class: 'error', 'data-tampered-summary': '' },
          `${opened.length === 1 ? '1 device reports' : `${opened.length} devices report`} being opened or moved ` +
            `and not since closed or put back: ${opened.map((d) => `${d.id} (${d.room}) at ${formatTime(d.tamperedAt)}`).join(', ')}. ` +
            'Check the casing and where it is fixed.',
        )
      : null,
    table(
      `Devices of ${home.id}`,
      ['Device', 'Last heard', 'Battery', 'Kind', 'Room', 'Zigbee name', 'Resident'],
      devices.map((d) => [d.id, lastHeard(d), battery(d), kind(d), d.room, d.zigbee, d.residentId]),
      (n) => ({
        'data-device': devices[n].id,
        class:
          [devices[n].offline ? 'offline' : '', devices[n].tamperedAt ? 'tampered' : ''].join(' ').trim() || undefined,
      }),
    ),
  );
}

/** Draws the configured homes anew, the keyboard kept on the link it was on (the tables hold no other control). */
function showHomes(homes) {
  const active = document.activeElement;
  const href = active && active.closest('#homes') && active.getAttribute('href');
  drawHomes(homes);
  if (href) [...document.querySelectorAll('#homes a')].find((a) => a.getAttribute('href') === href)?.focus();
}

function drawHomes(homes) {
  if (!homes.length) {
    document
      .getElementById('homes')
      .replaceChildren(
        el(
          'p',
          {},
          'No home is configured yet. Homes, their residents and their devices are set in the configuration file ',
          el('code', {}, 'telecare.config.json'),
          ' (or the file ',
          el('code', {}, 'HUB_CONFIG'),
          ' names); the README shows one. A device may send events before that: it is listed above as not configured.',
        ),
      );
    return;
  }
  document
    .getElementById('homes')
    .replaceChildren(
      ...homes.map((home) =>
        el(
          'section',
          { class: 'card' },
          el(
            'h3',
            {},
            `${home.id} `,
            el(
              'span',
              { class: 'muted' },
              `${home.timezone}${home.away ? ' · away' : ''} · residents: ${home.residents.map((r) => r.id).join(', ') || 'none'}`,
            ),
          ),
          el('p', {}, el('a', { href: `/home?home=${encodeURIComponent(home.id)}` }, `Activity charts of ${home.id}`)),
          home.devices.length
            ? deviceTable(home)
            : el('p', { class: 'muted' }, 'No device configured in this home yet.'),
        ),
      ),
    );
}

let homes = [];
/** True once the configured homes have been drawn: until then a failed look says so in their place too. */
let homesShown = false;
/** One look at a time: a slow answer never lands after a newer one. */
let looking = false;
async function lookForDevices() {
  if (looking) return;
  looking = true;
  try {
    // The configured homes too: a device added to the file and reloaded (the help's step 4) moves under its home, not
    // off the page, and each device's last heard moves on while the installer tries a sensor.
    const [configured, unassigned] = await Promise.all([api('/api/homes'), fetchUnassigned()]);
    homes = configured;
    showHomes(homes);
    homesShown = true;
    showUnassigned(unassigned, homes);
  } catch (err) {
    document.getElementById('unassigned-status').textContent =
      `Could not check for new devices: ${err.message} Trying again in ${REFRESH_MS / 1000} s.`;
    if (!homesShown) cannotReach(err);
  } finally {
    looking = false;
  }
}

/** Says in place of the configured homes that the hub did not answer, and that the page asks again by itself. */
function cannotReach(err) {
  document
    .getElementById('homes')
    .replaceChildren(el('p', { class: 'error' }, `${err.message} Trying again in ${REFRESH_MS / 1000} s.`));
}

/** The hub's pid when /api/health gave it (admin, installer), for the reload's `kill -HUP`. */
let hubPid;

/** The command that reloads the configuration, on the hub: with its pid when known. */
function reloadCommand() {
  return hubPid === undefined ? "kill -HUP <the hub's pid: its log lines' pid>" : `kill -HUP ${hubPid}`;
}

/**
 * Where sensors publish, as this hub runs (its health's broker): the port it listens on, not the default the help
 * would otherwise name (a hub started with HUB_MQTT_PORT, or an external broker). Left as written when unknown.
 */
async function showBrokerAddress() {
  const health = await api('/api/health').catch(() => undefined);
  // The hub's pid, given to admin and installer: the reload's command with its number, not `<hub pid>` (session 67).
  if (health && Number.isInteger(health.pid)) hubPid = health.pid;
  const reload = document.getElementById('reload-command');
  if (reload) reload.textContent = reloadCommand();
  const mqtt = health && health.mqtt;
  const where = document.getElementById('mqtt-where');
  if (!mqtt || !where) return;
  if (mqtt.mode === 'embedded' && Number.isInteger(mqtt.port)) {
    const host = location.hostname;
    where.textContent = Number.isInteger(mqtt.tlsPort)
      ? `${host}, port ${mqtt.port}; over TLS port ${mqtt.tlsPort}`
      : `${host}, port ${mqtt.port}`;
  } else if (mqtt.mode === 'external' && typeof mqtt.url === 'string') {
    where.textContent = `the broker the hub uses, ${mqtt.url}`;
  }
}

/**
 * Who is logged in, asked again every REFRESH_MS while the hub cannot be reached or cannot answer. The page is opened
 * again as the hub restarts (its own step 4 says to restart it): it said "Loading…" above and "Cannot reach the hub"
 * below for good, and nothing came once the hub was back until the installer thought to reload it (review, session 65).
 */
function whoIsLoggedIn() {
  return startPageWhenReachable({
    everyMs: REFRESH_MS,
    waiting: (err) => {
      document.getElementById('unassigned-status').textContent =
        `Could not check for new devices: ${err.message} Trying again in ${REFRESH_MS / 1000} s.`;
      cannotReach(err);
    },
  });
}

async function start() {
  await whoIsLoggedIn();
  // Before the first look: the devices it lists say how to reload, with the hub's pid.
  await showBrokerAddress();
  // A first look that fails says so and is tried again with the next ones.
  await lookForDevices();
  setInterval(lookForDevices, REFRESH_MS);
}

start().catch((err) => {
  if (err.status !== 401) document.getElementById('homes').replaceChildren(el('p', { class: 'error' }, err.message));
});
