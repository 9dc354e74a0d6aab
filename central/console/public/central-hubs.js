// The hub list (supervisors): offline hubs first, last heartbeat, open alerts; refreshed every few seconds.
import { age, api, el, formatTime, timeWithAge } from '/assets/common.js';
import { startPage } from '/assets/central-nav.js';

const body = document.querySelector('#hubs tbody');
const message = document.getElementById('message');

function uptime(seconds) {
  if (typeof seconds !== 'number') return '—';
  return seconds < 60 ? 'under a minute' : age(new Date(Date.now() - seconds * 1000).toISOString());
}

/** The hub's clock against the centre's, by its newest heartbeat, when over 2 min off (session 60); else nothing. */
function clockNote(aheadMs) {
  if (typeof aheadMs !== 'number' || Math.abs(aheadMs) < 2 * 60_000) return null;
  const span = age(new Date(Date.now() - Math.abs(aheadMs)).toISOString());
  return [' ', el('span', { class: 'badge sev-high' }, `hub clock ${span} ${aheadMs < 0 ? 'behind' : 'ahead'}`)];
}

async function refresh() {
  try {
    const hubs = await api('/api/hubs');
    const quarantined = hubs.filter((h) => h.quarantined).length;
    // Retired hubs (taken out of service for good, session 61) are listed last and not counted as hubs in service.
    const retired = hubs.filter((h) => h.status === 'retired').length;
    const inService = hubs.length - retired;
    message.textContent = `${inService} hub${inService === 1 ? '' : 's'}, ${hubs.filter((h) => h.status === 'offline').length} offline${quarantined > 0 ? `, ${quarantined} quarantined` : ''}${retired > 0 ? ` (and ${retired} retired)` : ''}. Updated ${formatTime(new Date().toISOString())}.`;
    body.replaceChildren(
      ...hubs.map((h) => {
        const beat = h.lastHeartbeat || {};
        return el(
          'tr',
          { 'data-hub': h.hubId, 'data-status': h.quarantined && h.status !== 'offline' ? 'quarantined' : h.status },
          el('th', { scope: 'row' }, h.hubId),
          el(
            'td',
            { 'data-label': 'Status' },
            h.status === 'offline'
              ? el(
                  'span',
                  { class: 'badge sev-critical' },
                  `offline since ${formatTime(h.offlineSince || h.lastSeenAt)}`,
                )
              : h.status === 'retired'
                ? el(
                    'span',
                    { class: 'badge' },
                    `retired${h.retiredAt ? ` ${formatTime(h.retiredAt)}` : ''}${h.retiredBy ? ` by ${h.retiredBy}` : ''}${h.replacedBy ? `, replaced by ${h.replacedBy}` : ''}`,
                  )
                : h.quarantined
                  ? // Shut out by the centre (over its byte budget): it cannot send until its alert is resolved.
                    el('span', { class: 'badge sev-high' }, 'quarantined: shut out until its alert is resolved')
                  : el('span', { class: 'badge sev-low' }, h.status),
            // The box that took another's place in the same homes (session 64): their history is one.
            h.replaces && h.replaces.length > 0 ? ` replaces ${h.replaces.join(', ')}` : null,
          ),
          // Each value names its column: on a phone the rows stack (style.css), a bare "0" or "1 / 1" says nothing.
          el('td', { 'data-label': 'Last heard' }, el('span', {}, timeWithAge(h.lastSeenAt))),
          el('td', { 'data-label': 'Last heartbeat' }, beat.at ? formatTime(beat.at) : '—', clockNote(h.clockAheadMs)),
          el('td', { 'data-label': 'Queue' }, typeof beat.queue === 'number' ? String(beat.queue) : '—'),
          el(
            'td',
            { 'data-label': 'Open alerts (hub / centre)' },
            `${typeof beat.openAlerts === 'number' ? beat.openAlerts : '—'} / ${h.openAlerts}`,
          ),
          el('td', { 'data-label': 'Up for' }, uptime(beat.uptimeS)),
          // The council whose analysts read this hub's homes in their report (session 68); a supervisor sets it.
          el(
            'td',
            { 'data-label': 'Council' },
            h.council || '—',
            ' ',
            el(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'aria-label': `Set the council of ${h.hubId}`,
                onclick: async () => {
                  const council = prompt(`Council of hub ${h.hubId} (empty: none)`, h.council || '');
                  if (council === null) return;
                  await api(`/api/hubs/${encodeURIComponent(h.hubId)}/council`, {
                    method: 'PUT',
                    body: { council: council.trim() || null },
                  }).catch((err) => alert(err.message));
                  refresh();
                },
              },
              'Set',
            ),
          ),
        );
      }),
    );
  } catch (err) {
    message.textContent = `Could not load the hubs: ${err.message}`;
  }
}

startPage().then(refresh);
setInterval(refresh, 10_000);
