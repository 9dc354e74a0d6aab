// Device setup: devices configured per home, and devices the hub has seen that nobody configured.
import { api, el, startPage } from '/assets/common.js';

function when(ms) {
  return ms ? new Date(ms).toLocaleString() : '';
}

function table(caption, headers, rows) {
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
        rows.map((r) =>
          el(
            'tr',
            {},
            r.map((c, i) => el('td', { 'data-label': headers[i] }, c ?? '')),
          ),
        ),
      ),
    ),
  );
}

async function start() {
  await startPage();
  const [homes, unassigned] = await Promise.all([api('/api/homes'), api('/api/devices/unassigned')]);
  document.getElementById('unassigned').replaceChildren(
    unassigned.length
      ? table(
          'Unassigned devices',
          ['Device', 'Home', 'Source', 'First seen', 'Last seen'],
          unassigned.map((d) => [d.deviceId, d.homeId, d.source, when(d.firstSeenAt), when(d.lastSeenAt)]),
        )
      : el('p', {}, 'None: every device the hub has heard from is configured.'),
  );
  document.getElementById('homes').replaceChildren(
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
        el('p', {}, el('a', { href: `/home?home=${encodeURIComponent(home.id)}` }, 'Activity charts')),
        table(
          `Devices of ${home.id}`,
          ['Device', 'Kind', 'Room', 'Zigbee name', 'Resident'],
          home.devices.map((d) => [d.id, d.kind, d.room, d.zigbee, d.residentId]),
        ),
      ),
    ),
  );
}

start().catch((err) => document.getElementById('homes').replaceChildren(el('p', { class: 'error' }, err.message)));
