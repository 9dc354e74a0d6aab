// What a home's sensors cannot see, said to the installer: `--check-config` prints it and the hub logs it at start.
//
// The rules can only call about what some sensor reports. Two gaps cost the most on real homes (eval/README.md,
// "Eighth round", layout variants): an exit door whose inside no motion sensor sees (a resident who closes the door
// behind a visitor and collapses in the hall is taken as out, and nothing is called until the next movement inside:
// with half of the homes' sensors taken out, 27-35 of 150 collapses were missed that way), and a bed with no mat (a
// collapse in bed at night waits for the night allowance or the morning check). These are facts of the layout, not
// of the resident, so they are checked on the configuration alone and say nothing personal.
import type { HomeConfig } from '../rules/types.js';
import { canonicalRoom, MEANINGFUL_ROOMS, ROOM_SYNONYMS, roomKey, type DeviceKind } from '../rules/vocabulary.js';
import type { HubConfig } from './config-types.js';
import { editDistance } from './edit-distance.js';
import { responderAdvice, type AlertReach } from './responder-advice.js';

/** Rooms one passes through from an exit door: a PIR there sees whoever comes back in or stays after the door shut. */
const PASSAGE_ROOMS = new Set(['entrance', 'entry', 'hall', 'hallway', 'corridor', 'landing', 'porch', 'lobby']);

/** Kinds whose report places the resident in a room (a pendant, a thermometer or a smoke alarm does not). */
const PLACING_KINDS: ReadonlySet<DeviceKind> = new Set<DeviceKind>(['motion', 'door', 'bed', 'chair', 'appliance']);
/** Devices named in the advice of devices without a room; the rest are counted. */
const ROOMLESS_NAMED = 5;

/** One line of advice per gap found in one home's devices; empty when the layout has none of them. */
export function coverageAdvice(home: HomeConfig): string[] {
  const devices = home.devices;
  // A home with no device at all: the gaps below would ask for a door contact, a mat and a bedroom sensor as if the
  // rest were fitted, when nothing of the home is watched, not even its pendant (review, session 65).
  if (devices.length === 0) {
    return [
      `home ${home.id}: no devices, so nothing in this home is watched and no alert of any kind is raised for it, not ` +
        'even a pendant press (a sensor that sends for this home but is not listed in it is kept as not configured). ' +
        'List its sensors in the home\'s "devices" ({ "id", "kind", "room" } each); the Devices page shows those the ' +
        'hub has heard.',
    ];
  }
  const motionRooms = new Set(devices.filter((d) => d.kind === 'motion' && d.room !== undefined).map((d) => d.room));
  const advice: string[] = [];
  const exitDoors = devices.filter((d) => d.kind === 'exit-door');
  for (const door of exitDoors) {
    if (door.room !== undefined && motionRooms.has(door.room)) continue;
    if ([...motionRooms].some((room) => room !== undefined && PASSAGE_ROOMS.has(room.toLowerCase()))) continue;
    const where =
      door.room === undefined ? 'it has no room' : `no motion sensor in room "${door.room}" or a hall by it`;
    advice.push(
      `home ${home.id}: exit door ${door.id}: ${where}, so nothing sees its inside. Someone who closes the door and ` +
        'stays in is taken as out, and a collapse just inside is not called until the next movement is seen. Fit a ' +
        'motion sensor that sees the inside of the door (its room or the hall).',
    );
  }
  if (exitDoors.length === 0) {
    const doors = devices.filter((d) => d.kind === 'door').length;
    advice.push(
      doors > 0
        ? `home ${home.id}: no exit door marked, so until the hub has learned which door is the way out (a door that ` +
            "begins and ends the home's daytime silences, after a few outings through it) a long outing is called " +
            'as a silence. Give the contact on each door to the outside the kind "exit-door".'
        : `home ${home.id}: no exit door contact, so the hub cannot tell when the resident is out: a long outing is ` +
            'called as a silence (set the home away for planned absences). Fit a contact on each door to the outside.',
    );
  }
  const roomless = devices.filter((d) => PLACING_KINDS.has(d.kind) && d.room === undefined).map((d) => d.id);
  if (roomless.length > 0) {
    const named = roomless.slice(0, ROOMLESS_NAMED).join(', ');
    const more = roomless.length > ROOMLESS_NAMED ? ` and ${roomless.length - ROOMLESS_NAMED} more` : '';
    advice.push(
      `home ${home.id}: no room for ${named}${more}, so the rules cannot tell where the resident was after them: a ` +
        "collapse there waits for the home's whole silence, not the room's (a bathroom's or kitchen's is shorter). " +
        'Give each device its room.',
    );
  }
  if (!devices.some((d) => d.kind === 'bed')) {
    advice.push(
      `home ${home.id}: no bed mat, so a collapse in bed at night is found by silence alone, after the night ` +
        "allowance or the morning check; a mat that reports each movement lets the hub learn the resident's own " +
        'still nights and call sooner.',
    );
  }
  // Nothing sees the bed or the bedroom's inside (a door contact sees its door): going to bed is unseen, and a night's
  // silence begins wherever the resident was seen last. Read from the robustness rows (session 64): CASAS without its
  // bedroom PIR 7 false alarms in its first fortnight (0 with it), night bathroom visits and evenings in the living room
  // called as long visits or possible falls. A bedroom PIR that does not see the bed (Kasteren C's, by the dresser) is
  // not told apart here: the no-bed-mat line above covers it. Since session 71 the first fortnight's nights in such a
  // home are inactivity's (rules/possible-fall.ts `nightOfUnseenBed`): the advice says what that costs.
  const bedroomSeen = devices.some(
    (d) => (d.kind === 'motion' || d.kind === 'bed') && d.room !== undefined && canonicalRoom(d.room) === 'bedroom',
  );
  if (!bedroomSeen) {
    advice.push(
      `home ${home.id}: no motion sensor or bed mat in the bedroom, so the hub does not see the resident go to bed: a ` +
        "night's silence begins in the room they were last seen in (a bathroom visit before bed, an evening in the " +
        "living room). Until the hub has learned this home's nights (about two weeks), a silence that begins at night, " +
        "or would be called in it, is judged as the night's: a collapse then is found after the night allowance or at " +
        'the morning check, not within the hour; later, such a silence may be called as a long visit or a possible ' +
        'fall in that room. Fit a motion sensor that sees the bed, or a bed mat.',
    );
  }
  return advice;
}

/**
 * A Zigbee2MQTT friendly name that begins with the base topic and a `/`: most often the topic copied for the name
 * (MQTT Explorer, Zigbee2MQTT's log), and then the device is never heard, since the hub waits for
 * `<base>/<base>/<name>`. But Zigbee2MQTT itself takes such a name (its friendly-name check refuses only an empty name, a
 * `/` at either end, a last level of digits, `+` and `#`) and publishes under `<base>/<name>` as for any other, so a
 * device really so named is heard, and was monitored before session 59 refused the name: an upgrade then left the
 * hub unable to start. Said, never refused (review, session 60).
 */
export function baseTopicNameAdvice(config: HubConfig): string[] {
  const base = `${config.hub.zigbeeBaseTopic}/`;
  const advice: string[] = [];
  config.homes.forEach((home, h) => {
    home.devices.forEach((device, d) => {
      const zigbee = device.zigbee;
      if (zigbee === undefined || !zigbee.startsWith(base) || zigbee.length <= base.length) return;
      const name = zigbee.slice(base.length);
      advice.push(
        `homes[${h}].devices[${d}].zigbee: '${zigbee}' begins with the base topic '${base}', so device ${device.id} ` +
          `of home ${home.id} is heard on ${base}${zigbee}, where Zigbee2MQTT publishes a device with that friendly ` +
          `name. If its name in Zigbee2MQTT is '${name}' (the topic copied), write the friendly name alone, '${name}': ` +
          'as written it is never heard.',
      );
    });
  });
  return advice;
}

/** What the devices page's line to paste leaves for the installer to choose in its room (dashboard/public/devices.js). */
const ROOM_PLACEHOLDERS = new Set(['…', '...']);

/**
 * A device pasted from the devices page with its room still the page's placeholder, `"…"`: the schema takes any room,
 * so the device sat in a room named "…" that no rule knows, and nothing said so (review, session 62). Said, not
 * refused: a hub that started with such a file must start again.
 */
export function roomPlaceholderAdvice(config: HubConfig): string[] {
  const advice: string[] = [];
  config.homes.forEach((home, h) => {
    home.devices.forEach((device, d) => {
      if (device.room === undefined || !ROOM_PLACEHOLDERS.has(device.room.trim())) return;
      advice.push(
        `homes[${h}].devices[${d}].room: '${device.room}' is the placeholder of the devices page's line, so device ` +
          `${device.id} of home ${home.id} has no room the rules know (a bathroom or kitchen has a shorter silence ` +
          'than the home): write the room it is in.',
      );
    });
  });
  return advice;
}

/** The rooms the rules know, as `canonicalRoom` compares them (lower case, one space between words). */
const KNOWN_ROOM_NAMES: readonly string[] = [...MEANINGFUL_ROOMS, ...Object.keys(ROOM_SYNONYMS)];

/**
 * A device's room one slip away from a room the rules know (`bathrom`, `Kitchn`, `livng room`, `toilets`): rooms are
 * free text, so the file was taken and the device sat in a room no rule knows; a bathroom's PIR so placed never starts
 * the bathroom's shorter silence, and a bedroom's never shows the resident going to bed (review, session 73). Only one
 * edit away, and never a room with a digit: "Bedroom 2", "dining room" (two from "living room") and "den" are rooms of
 * their own. Said, not refused: a hub that started with such a file must start again.
 */
export function roomSpellingAdvice(config: HubConfig): string[] {
  // A scheme's homes write the same few rooms: each is looked at once (1,000 flats of 10 rooms took 0.9 s, every
  // start and reload, when each device's room was; review, session 73).
  const meantFor = new Map<string, string | undefined>();
  const advice: string[] = [];
  config.homes.forEach((home, h) => {
    home.devices.forEach((device, d) => {
      if (device.room === undefined) return;
      let meant = meantFor.get(device.room);
      if (!meantFor.has(device.room)) meantFor.set(device.room, (meant = roomMeant(device.room)));
      if (meant === undefined) return;
      advice.push(
        `homes[${h}].devices[${d}].room: '${device.room}' is not a room the rules know, so device ${device.id} of home ` +
          `${home.id} is watched as in a room of its own, not in the rules' room '${canonicalRoom(meant)}' (did you ` +
          `mean '${meant}'?). Rooms are free text, but only ${MEANINGFUL_ROOMS.join(', ')} (and their usual names) ` +
          "carry the rules' meaning.",
      );
    });
  });
  return advice;
}

/** The known room name `room` is one slip from, or undefined (a known room, a room with a digit, none near). */
function roomMeant(room: string): string | undefined {
  if (/\d/.test(room) || canonicalRoom(room) !== room) return undefined;
  const words = roomKey(room);
  if (words.length < 3 || KNOWN_ROOM_NAMES.includes(words)) return undefined;
  return KNOWN_ROOM_NAMES.find(
    (name) => name.length >= 3 && Math.abs(name.length - words.length) <= 1 && editDistance(words, name) === 1,
  );
}

/**
 * Two homes whose ids differ only in capitals (`Flat-3`, `flat-3`): ids are matched exactly, so a sensor set up for the
 * one is not heard in the other, and a flat's sensors so split have each home's silences judged without the others'
 * (the devices page offered "a new home" for such a sensor before session 62). Said, not refused: two homes may be so
 * named on purpose, and a hub that started with them must start again.
 */
export function homeCaseAdvice(config: HubConfig): string[] {
  const advice: string[] = [];
  const seen = new Map<string, number>();
  config.homes.forEach((home, h) => {
    const key = home.id.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, h);
      return;
    }
    const other = config.homes[first]!.id;
    advice.push(
      `homes[${h}].id: '${home.id}' differs only in capitals from home '${other}' (homes[${first}]): home ids are ` +
        "matched exactly, so these are two homes, each one's silences judged without the other's sensors. If they " +
        `are one home, move the devices of '${home.id}' into '${other}' and have them send their events for '${other}'.`,
    );
  });
  return advice;
}

/**
 * ICU's legacy three-letter zone ids (Java's `ZoneId.SHORT_IDS` but EST, MST and HST, which the tz database has too):
 * Intl takes them where the system has no zone file of that name, as zones that seldom are what an installer meant.
 */
const ZONE_ABBREVIATIONS = new Set([
  'ACT', 'AET', 'AGT', 'ART', 'AST', 'BET', 'BST', 'CAT', 'CNT', 'CST', 'CTT', 'EAT', 'ECT',
  'IET', 'IST', 'JST', 'MIT', 'NET', 'NST', 'PLT', 'PNT', 'PRT', 'PST', 'SST', 'VST',
]); // prettier-ignore

/** The zone Intl reads `zone` as when it is one of ICU's legacy abbreviations (`BST`: Asia/Dhaka), else undefined. */
export function abbreviationReadAs(zone: string): string | undefined {
  const upper = zone.trim().toUpperCase();
  if (!ZONE_ABBREVIATIONS.has(upper)) return undefined;
  return new Intl.DateTimeFormat('en', { timeZone: upper }).resolvedOptions().timeZone;
}

/** The tz database's names of Greenwich time with no summer time, which a home in the UK is not on from March to October. */
const GREENWICH_ZONES = new Set([
  'gmt',
  'etc/gmt',
  'gmt0',
  'gmt+0',
  'gmt-0',
  'etc/gmt0',
  'etc/gmt+0',
  'etc/gmt-0',
  'greenwich',
  'etc/greenwich',
]);

/**
 * A home's zone that is an abbreviation (`BST` is read as Asia/Dhaka, `IST` as Asia/Kolkata, `CST` as America/Chicago)
 * or Greenwich time with no summer time (`GMT`): taken, and every local-time rule of the home (the night window, the
 * morning check, the daily features) ran hours off without a word (review, session 67). Said, not refused: a hub that
 * started with such a file must start again.
 */
export function timeZoneAdvice(config: HubConfig): string[] {
  const advice: string[] = [];
  config.homes.forEach((home, h) => {
    const zone = home.timezone;
    const readAs = abbreviationReadAs(zone);
    if (readAs !== undefined) {
      advice.push(
        `homes[${h}].timezone: '${zone}' is an abbreviation, not a time zone: home ${home.id} is on ${readAs}'s ` +
          "time, and its night window, morning check and days follow it. Write the zone's name, Area/City, e.g. " +
          "'Europe/London' for the UK (GMT in winter, BST in summer).",
      );
    } else if (GREENWICH_ZONES.has(zone.trim().toLowerCase())) {
      advice.push(
        `homes[${h}].timezone: '${zone}' keeps no summer time, so for a home in the UK (or Ireland, Portugal) ` +
          `home ${home.id}'s night window, morning check and days run an hour off from March to October. Write ` +
          "'Europe/London' (GMT in winter, BST in summer), or the zone of the home's country.",
      );
    }
  });
  return advice;
}

/** Everything a configuration gets said about it at --check-config, at the start and at a reload: not refusals. */
export function configAdvice(config: HubConfig, reach: AlertReach = {}): string[] {
  return [
    ...homeCaseAdvice(config),
    ...timeZoneAdvice(config),
    ...baseTopicNameAdvice(config),
    ...roomPlaceholderAdvice(config),
    ...roomSpellingAdvice(config),
    ...responderAdvice(config, reach),
    ...config.homes.flatMap(coverageAdvice),
  ];
}
