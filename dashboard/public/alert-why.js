// Why an alert was raised, in one line a responder can read at 3 a.m.: shared by the hub's console and the centre's.
import { shortDay } from './charts.js';

const DEVICE_KINDS = {
  motion: 'motion sensor',
  door: 'door contact',
  'exit-door': 'front door',
  bed: 'bed mat',
  chair: 'chair mat',
  appliance: 'appliance',
  pendant: 'pendant',
  wearable: 'wearable',
  smoke: 'smoke alarm',
  co: 'carbon monoxide alarm',
  gas: 'gas alarm',
  water: 'water sensor',
  climate: 'thermometer',
  other: 'sensor',
};
const THRESHOLD_SOURCES = {
  learned: 'learned normal for this hour',
  'cold-start': 'first-weeks limit',
  'care-plan': 'from the care plan',
  'outing-bound': 'one device alone in a home that often stands empty: waited as long as its outings',
};

/** Alerts that are themselves room checks: while a device is dead they no longer arm (one armed before may still fire). */
const ROOM_CHECKS = new Set(['possible-fall', 'bathroom-too-long']);

/**
 * Where the room checks are paused while a device is dead: everywhere (or said by an alert before session 30, with no
 * `roomChecksPaused`), unless the alert is a room check's own; in the rooms listed; nowhere: nothing said.
 */
function pausedChecks(kind, paused) {
  if (Array.isArray(paused)) return paused.length > 0 ? `: room checks paused in ${paused.join(', ')}` : '';
  return ROOM_CHECKS.has(kind) ? '' : ': room checks paused';
}

/** A time as "Tue 14:05" in `zone` (the home's; the viewer's when not known); "an unknown time" when absent. */
function dayAndClock(iso, zone) {
  const d = iso ? new Date(iso) : undefined;
  if (!d || Number.isNaN(d.getTime())) return 'an unknown time';
  const options = { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: zone }).format(d).replace(',', '');
  } catch {
    // A zone the browser does not know: the viewer's own.
    return new Intl.DateTimeFormat('en-GB', options).format(d).replace(',', '');
  }
}

/** Minutes as "52 min" or "1 h 05 min". */
function duration(minutes) {
  const m = Math.round(minutes);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * Why the alert was raised, in one line a responder can read at 3 a.m. (issue 11 section 5); null when the detail says
 * nothing. `zone`: the home's time zone, for the times it names (the viewer's when absent).
 */
export function why(alert, zone) {
  const d = alert.detail || {};
  const parts = [];
  // A worn device (session 36): where to look first, before anything else the line says.
  const worn = wornPlace(alert, d);
  if (worn) parts.push(worn);
  if (typeof d.silenceMinutes === 'number') {
    // Night stillness: the limit comes from this home's own nights, not from an hour of the week.
    // Up and about: the limit comes from this home's silences with nobody resting, pooled over the day.
    const source =
      typeof d.learnedNights === 'number' && d.learnedNights > 0 && typeof d.longestNightMinutes === 'number'
        ? `limit from ${d.learnedNights} of this home's nights, longest still spell ${duration(d.longestNightMinutes)}`
        : d.upAndAbout === true && typeof d.upSilences === 'number'
          ? `limit from ${d.upSilences} of this home's silences up and about`
          : d.loneDeviceChattered === true
            ? 'one device alone, reporting over and over by itself (a faulty contact?): waited as long as an outing'
            : THRESHOLD_SOURCES[d.thresholdSource] || d.thresholdSource;
    const limit =
      typeof d.thresholdMinutes === 'number'
        ? ` (${source}: ${duration(d.thresholdMinutes)})`
        : d.checkTime
          ? ` (morning check at ${d.checkTime}, ${source})`
          : '';
    // bathroom-too-long and out-of-bed-too-long: the limit is the visit's or the time up; the silence, since the last
    // movement, may be shorter (session 44).
    const stay =
      typeof d.minutesInBathroom === 'number'
        ? { minutes: d.minutesInBathroom, what: 'In the bathroom for', since: 'going in' }
        : typeof d.minutesOutOfBed === 'number'
          ? { minutes: d.minutesOutOfBed, what: 'Out of bed for', since: 'getting up' }
          : undefined;
    if (stay) {
      parts.push(`${stay.what} ${duration(stay.minutes)}${limit}`);
      parts.push(
        d.silenceMinutes < stay.minutes
          ? `last movement ${duration(d.silenceMinutes)} ago`
          : `no movement since ${stay.since}`,
      );
    } else parts.push(`Silent for ${duration(d.silenceMinutes)}${limit}`);
  }
  // Nothing of the home heard since the hub began watching it (session 27): no last room to name.
  if (d.watchedSince) parts.push('no sensor of this home has reported since the hub started watching it');
  else if ('lastRoom' in d || 'lastDeviceId' in d) {
    const device = d.lastDeviceKind ? DEVICE_KINDS[d.lastDeviceKind] || d.lastDeviceKind : d.lastDeviceId;
    parts.push(`last seen: ${[d.lastRoom || 'unknown room', device].filter(Boolean).join(', ')}`);
  }
  // Came in by the exit door after an outing, and no sensor inside has reported since (the silence runs from then).
  if (d.seenSinceArrival === false) parts.push('came in by the front door, nothing seen inside since');
  // Taken as out after the front door closed, for longer than any outing of this home, and never seen back: the
  // resident may never have left (session 26: an outing nothing ends has a bound).
  // Since session 69: that outing began minutes after a homecoming nothing inside saw (presence.outingAfterArrivalMaxHours).
  // Since session 77: a home of two or more residents, where the door closing said that someone left, not that all did.
  if (d.outingUnended && d.outingUnended.afterArrival)
    parts.push('taken as out since the front door moved minutes after coming home; not seen since');
  else if (d.outingUnended && d.outingUnended.residents >= 2)
    parts.push(
      `taken as out since the front door closed; one of its ${d.outingUnended.residents} residents may have stayed in, not seen since`,
    );
  else if (d.outingUnended) parts.push('taken as out since the front door closed, longer than any outing of this home');
  if ('matOccupied' in d) {
    parts.push(
      d.matOccupied === 'bed'
        ? d.stillInBed
          ? 'in bed, no movement on the bed mat'
          : 'in bed (bed mat occupied)'
        : d.matOccupied === 'chair'
          ? 'in the chair (chair mat occupied)'
          : 'no mat occupied',
    );
  }
  // The impact fell in a radio gap (session 28): its peak and the descent were never received; the figures after the
  // gap (about 1 g, no speed) would read as a soft landing.
  if (d.impactLostInGap === true) parts.push('impact not received (radio gap), judged by the posture before and after');
  else {
    if (typeof d.peakG === 'number') parts.push(`impact ${d.peakG.toFixed(1)} g`);
    if (typeof d.descentMps === 'number') parts.push(`falling at ${d.descentMps.toFixed(1)} m/s`);
  }
  if (typeof d.postureChangeDeg === 'number') parts.push(`posture changed ${Math.round(d.postureChangeDeg)}°`);
  if (typeof d.stillSeconds === 'number') parts.push(`still for ${Math.round(d.stillSeconds)} s`);
  // A device silent or offline (sensor-offline, session 29): which device, since when, in the home's time.
  if (alert.kind === 'sensor-offline' && typeof d.deviceId === 'string') {
    parts.push(
      d.reason === 'reported unavailable'
        ? d.lastSeenAt === null
          ? `${d.deviceId} reported offline, never heard`
          : `${d.deviceId} reported offline at ${dayAndClock(d.lastSeenAt, zone)}`
        : // Never heard since it was configured (session 35): no last report to give, its configuration's time instead.
          d.lastSeenAt === null && typeof d.configuredAt === 'string'
          ? `${d.deviceId} never heard since it was configured, ${dayAndClock(d.configuredAt, zone)}`
          : `${d.deviceId} silent since ${dayAndClock(d.lastSeenAt, zone)}`,
    );
    // The home's other devices offline now (one alert per home and kind; session 60, round 2): each by name and room.
    if (Array.isArray(d.alsoOffline) && d.alsoOffline.length > 0) {
      const others = d.alsoOffline.map((x) => {
        const name = x.room ? `${x.deviceId} (${x.room})` : String(x.deviceId);
        return typeof x.lastSeenAt === 'string'
          ? `${name}, last heard ${dayAndClock(x.lastSeenAt, zone)}`
          : typeof x.configuredAt === 'string'
            ? `${name}, never heard since it was configured, ${dayAndClock(x.configuredAt, zone)}`
            : `${name}, never heard`;
      });
      parts.push(`also offline: ${others.join('; ')}`);
    }
  }
  // A device the rules take for dead (session 29): which, since when, and that the room checks it fed are paused.
  if (Array.isArray(d.deadDevices) && d.deadDevices.length > 0) {
    const dead = d.deadDevices.map((x) => {
      const name = [x.room, DEVICE_KINDS[x.kind] || x.kind || 'sensor'].filter(Boolean).join(' ');
      const since = dayAndClock(x.silentSince, zone);
      return x.unavailable
        ? `${name} reported offline (last heard ${since}, taken as failed)`
        : `${name} silent since ${since} (taken as failed)`;
    });
    parts.push(dead.join(', ') + pausedChecks(alert.kind, d.roomChecksPaused));
  }
  // The home too cold or too hot for hours (rules/climate.ts), or the way out opened in the night with nothing inside
  // since (rules/night-exit.ts): how cold, the limit, since when; which door.
  const condition = climate(alert, d, zone) || nightExit(alert, d) || routineChange(alert, d);
  if (condition) parts.push(condition);
  // A device's own alarm (session 35): which device raised it (the card says the room), so a responder at 3 a.m. knows what to ask
  // about or to send to without opening another page (the rules' detail names the device: hub/alerts/lifecycle.ts).
  const alarm = deviceAlarm(alert, d);
  if (alarm) parts.push(alarm);
  // A silence called while this fall was open (session 66): told on the fall, not as a second call.
  const silence = laterSilence(alert, d, zone);
  if (silence) parts.push(silence);
  // The same wearer's fall again while this one was open (session 74): when, and that fall's own figures.
  const again = laterFall(alert, d, zone);
  if (again) parts.push(again);
  return parts.length ? parts.join(' · ') : null;
}

/**
 * "then no movement: possible fall called Mon 10:45 (Silent for 45 min ... · last seen: hall)" on a fall alert that a
 * silence of the inactivity family was told on (`laterSilence`, hub/alerts/lifecycle.ts), and once it ended "; silence
 * ended Mon 11:12: activity in kitchen" (session 67: the card went on saying she lay still); null otherwise.
 */
function laterSilence(alert, d, zone) {
  const s = d.laterSilence;
  if (alert.kind !== 'fall' || !s || typeof s !== 'object' || typeof s.kind !== 'string') return null;
  const { endedAt, endedBy, ...silence } = s;
  const inner = why({ kind: s.kind, room: s.room, detail: silence }, zone);
  const called = `then no movement: ${s.kind.replaceAll('-', ' ')} called ${dayAndClock(s.eventAt, zone)}`;
  const told = inner ? `${called} (${inner})` : called;
  if (typeof endedAt !== 'string') return told;
  return `${told}; silence ended ${dayAndClock(endedAt, zone)}${typeof endedBy === 'string' ? `: ${endedBy}` : ''}`;
}

/**
 * "fell again Mon 03:14 (fall detected by the hub from the movement of w1 · impact 5.0 g · ...)": the latest repeat of
 * a fall from the alert's own device (`laterFall`, hub/alerts/lifecycle.ts; review, session 74: the card said "Seen 2
 * times" with the first fall's words alone); null for any other alert.
 */
function laterFall(alert, d, zone) {
  const f = d.laterFall;
  if (alert.kind !== 'fall' || !f || typeof f !== 'object') return null;
  const { eventAt, seenAt: _seenAt, ...figures } = f;
  // Where the home's sensors last saw someone, said again only when it is another room (or out) than the first's.
  const samePlace = figures.seenRoom === d.seenRoom && figures.out === d.out;
  const detail = { ...figures, deviceId: d.deviceId, ...(samePlace ? { worn: false } : {}) };
  const inner = why({ kind: 'fall', room: alert.room, detail }, zone);
  const fell = `fell again ${dayAndClock(eventAt, zone)}`;
  return inner ? `${fell} (${inner})` : fell;
}

/** "Temperature below 16 °C since Mon 12:00, last reading 15.0 °C (thermo)"; null for any other alert. */
function climate(alert, d, zone) {
  if ((alert.kind !== 'cold' && alert.kind !== 'heat') || typeof d.limitC !== 'number') return null;
  const side = alert.kind === 'cold' ? 'below' : 'above';
  const since = typeof d.sinceAt === 'string' ? ` since ${dayAndClock(d.sinceAt, zone)}` : '';
  const reading = typeof d.lastTempC === 'number' ? `, last reading ${d.lastTempC.toFixed(1)} °C` : '';
  const device = typeof d.deviceId === 'string' && d.deviceId ? ` (${d.deviceId})` : '';
  return `Temperature ${side} ${d.limitC} °C${since}${reading}${device}`;
}

/** "front opened in the night, no movement inside in the 10 min after"; null for any other alert. */
function nightExit(alert, d) {
  if (alert.kind !== 'night-exit' || typeof d.minutesSinceDoor !== 'number') return null;
  const door = typeof d.deviceId === 'string' && d.deviceId ? d.deviceId : 'the front door';
  return `${door} opened in the night, no movement inside in the ${duration(d.minutesSinceDoor)} after`;
}

/** The daily features a routine change is flagged on (analytics/baseline.ts), as the home view's charts name them. */
const FEATURES = {
  risingTime: 'Rising time',
  bedtime: 'Bedtime',
  activeMinutes: 'Active minutes',
  roomTransitions: 'Room transitions',
  bathroomVisitsDay: 'Bathroom visits by day',
  bathroomVisitsNight: 'Bathroom visits at night',
  nightActivityMinutes: 'Night-time activity',
  minutesOut: 'Time out of home',
  kitchenUses: 'Kitchen and appliance uses',
  meanIndoorTempC: 'Mean indoor temperature',
};

/** A day of the home's calendar ("2026-11-02") as "2 Nov", as the charts say it (en-GB's own says "Sept"). */
function shortDate(date) {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? shortDay(date) : String(date);
}

/** One value of a feature in its unit: a clock time, minutes, °C or a count (analytics/review.ts `UNITS`). */
function featureValue(feature, value) {
  if (feature === 'risingTime' || feature === 'bedtime') {
    // Minutes after midnight; a bedtime after midnight counts past 24:00.
    const m = ((Math.round(value) % 1440) + 1440) % 1440;
    return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  }
  if (feature === 'meanIndoorTempC') return `${value.toFixed(1)} °C`;
  if (feature === 'activeMinutes' || feature === 'nightActivityMinutes' || feature === 'minutesOut')
    return duration(value);
  return String(Math.round(value * 10) / 10);
}

/** Flags told in full on a card; with more habits flagged, each is named with its way and days alone. */
const FULL_FLAGS = 3;

/**
 * Every habit a routine-change alert flags (analytics/review.ts), the first and each merged into it while it was open
 * (`laterFlags`, hub/alerts/lifecycle.ts; review, session 51: the card named the first habit alone). A habit flagged
 * again is told once, by its latest flag. Up to three in full, "Bathroom visits at night up 3 days running (31 Oct to
 * 2 Nov): 4, 5, 5; usually 0 · Rising time later …"; more as "5 habits changed: Bathroom visits at night up 3 days
 * (to 2 Nov), …". Null for any other alert.
 */
function routineChange(alert, d) {
  if (alert.kind !== 'routine-change' || typeof d.feature !== 'string') return null;
  const later = Array.isArray(d.laterFlags) ? d.laterFlags : [];
  const latest = new Map();
  for (const f of [d, ...later]) {
    if (!f || typeof f !== 'object' || typeof f.feature !== 'string') continue;
    const key = `${f.feature} ${f.change || f.direction || ''}`;
    latest.delete(key); // told where it was last flagged
    latest.set(key, f);
  }
  const flags = [...latest.values()];
  if (flags.length <= FULL_FLAGS) return flags.map(routineFlag).join(' · ');
  return `${flags.length} habits changed: ${flags.map(routineFlagShort).join(', ')}`;
}

/** The flag's daily values (numbers alone). */
function flagValues(f) {
  return Array.isArray(f.values) ? f.values.filter((v) => typeof v === 'number') : [];
}

/** How many days the flag covers: its `days`, else how many values it gives. */
function flagDays(f, values = flagValues(f)) {
  return typeof f.days === 'number' ? f.days : values.length;
}

/** "Bathroom visits at night up": the habit and which way it went. */
function habitAndWay(f) {
  return `${FEATURES[f.feature] || f.feature} ${f.change || f.direction || 'changed'}`;
}

/** "Bathroom visits at night up 3 days running (31 Oct to 2 Nov): 4, 5, 5; usually 0": which habit, which way, the days and their values, and the home's usual (the baseline's median). */
function routineFlag(f) {
  const values = flagValues(f);
  const days = flagDays(f, values);
  const span =
    typeof f.fromDate === 'string' && typeof f.date === 'string'
      ? ` (${shortDate(f.fromDate)} to ${shortDate(f.date)})`
      : '';
  const seen = values.length ? `: ${values.map((v) => featureValue(f.feature, v)).join(', ')}` : '';
  const median = f.baseline && typeof f.baseline.median === 'number' ? f.baseline.median : undefined;
  const usual = median === undefined ? '' : `; usually ${featureValue(f.feature, median)}${awayLeftOut(f)}`;
  return `${habitAndWay(f)} ${days} ${days === 1 ? 'day' : 'days running'}${span}${seen}${usual}${sensorsOffline(f)}`;
}

/**
 * " (7 days away not counted)": the days of the usual's four weeks the resident spent away (away mode, or out of home
 * through: analytics/review.ts `daysAwayLeftOut`, session 60), left out of it.
 */
function awayLeftOut(f) {
  const n = f.daysAwayLeftOut;
  return typeof n === 'number' && n > 0 ? ` (${n} ${n === 1 ? 'day' : 'days'} away not counted)` : '';
}

/**
 * " (hall-pir reported offline in these days: the change may be the sensor's)": the home's devices the hub called
 * offline during the flag's days (analytics/review.ts `withSensorsOffline`; review, session 60: a flat battery read as
 * a resident doing less, and the card did not say so).
 */
function sensorsOffline(f) {
  const ids = Array.isArray(f.sensorsOffline) ? f.sensorsOffline.filter((id) => typeof id === 'string') : [];
  return ids.length ? ` (${ids.join(', ')} reported offline in these days: the change may be the sensor's)` : '';
}

/** "Bathroom visits at night up 3 days (to 2 Nov)": the habit, the way, the days. */
function routineFlagShort(f) {
  const days = flagDays(f);
  const to = typeof f.date === 'string' ? ` (to ${shortDate(f.date)})` : '';
  return `${habitAndWay(f)} ${days} ${days === 1 ? 'day' : 'days'}${to}${sensorsOffline(f) ? ' (a sensor offline)' : ''}`;
}

/**
 * Where: the home and the alert's room, "h1 · hall". Not the room of a worn device's alert (a pendant press, a
 * wearable's fall: `detail.worn`): that is where the device was set up, not where the wearer is; the why line says
 * where the home's sensors last saw someone instead (session 36).
 */
export function place(alert) {
  const worn = alert.detail && alert.detail.worn === true;
  return [alert.homeId, worn ? null : alert.room].filter(Boolean).join(' · ');
}

/**
 * A worn device's alert (a pendant press, a wearable's fall): its configured room is where it was set up, not where
 * the wearer is (the card's line above leaves it out); where the home's own sensors last saw someone instead, and how
 * long before (rules/explain.ts `wornDetail`). Null for any other alert.
 */
export function wornPlace(alert, d) {
  if (d.worn !== true) return null;
  const kind = DEVICE_KINDS[d.deviceKind] || 'device';
  const setUp = alert.room ? `${kind} worn (set up in ${alert.room})` : `${kind} worn`;
  let seen = 'no sensor of the home has seen anyone yet';
  if (typeof d.seenRoom === 'string' && d.seenRoom) {
    const by = DEVICE_KINDS[d.seenDeviceKind] || d.seenDeviceKind || d.seenDeviceId;
    const m = d.seenMinutesBefore;
    const when =
      typeof m !== 'number'
        ? ''
        : m === 0
          ? ', less than a minute before'
          : m > 0
            ? `, ${duration(m)} before`
            : `, ${duration(-m)} after`;
    seen = `the home's sensors last saw someone in ${d.seenRoom}${by ? ` (${by})` : ''}${when}`;
  }
  const out = d.out === true ? '; the home took them as out (front door closed, nothing inside since)' : '';
  return `${setUp}: ${seen}${out}`;
}

/** What a device's own event says, by the event type the rules saw (rules/emergency.ts, low-battery.ts, tamper.ts). */
const DEVICE_ALARMS = {
  pendant: (id) => `pendant button pressed on ${id}`,
  fall: (id) => `fall reported by ${id} itself`,
  smoke: (id) => `smoke detected by ${id}`,
  co: (id) => `carbon monoxide detected by ${id}`,
  gas: (id) => `gas detected by ${id}`,
  water: (id) => `water detected by ${id}`,
};

/**
 * "smoke detected by hall-smoke"; null for an alert no single device's own event raised. The room is not repeated:
 * the card's line above the why says it (both consoles).
 */
function deviceAlarm(alert, d) {
  if (typeof d.deviceId !== 'string' || !d.deviceId) return null;
  if (typeof d.eventType === 'string' && Object.hasOwn(DEVICE_ALARMS, d.eventType)) {
    // Other devices raising the same kind while it was open (a second detector, another resident's pendant).
    const others = otherDevices(d).map((x) => `${x.deviceId}${x.room ? ` (${x.room})` : ''}`);
    return `${DEVICE_ALARMS[d.eventType](d.deviceId)}${others.length ? `; also ${others.join(', ')}` : ''}`;
  }
  // The hub's own fall detector, from the wearable's movement (rules/wearable-fall.ts): no event of the device's own.
  if (alert.kind === 'fall' && d.source === 'wearable')
    return `fall detected by the hub from the movement of ${d.deviceId}`;
  if (alert.kind === 'low-battery') {
    const level = (x) => (typeof x.value === 'number' ? `at ${Math.round(x.value)} %` : 'low');
    const others = otherDevices(d).map((x) => `${x.deviceId}${x.room ? ` (${x.room})` : ''} ${level(x)}`);
    return `battery ${level(d)} on ${d.deviceId}${others.length ? `; also low: ${others.join(', ')}` : ''}`;
  }
  if (alert.kind === 'tamper') {
    const kind = (x) => DEVICE_KINDS[x.deviceKind] || x.deviceKind || 'device';
    const others = otherDevices(d).map((x) => `${x.deviceId} (${[x.room, kind(x)].filter(Boolean).join(', ')})`);
    return `${d.deviceId} (${kind(d)}) opened or moved${others.length ? `; also ${others.join(', ')}` : ''}`;
  }
  return null;
}

/**
 * The home's other devices a low-battery, tamper or device alarm's alert was repeated for (`otherDevices`,
 * hub/alerts/lifecycle.ts; session 60, round 2: the card named the first device alone).
 */
function otherDevices(d) {
  return Array.isArray(d.otherDevices)
    ? d.otherDevices.filter((x) => x && typeof x.deviceId === 'string' && x.deviceId !== d.deviceId)
    : [];
}
