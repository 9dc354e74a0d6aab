// Loads telecare.config.json: validated by the shipped JSON Schema (errors name the field), defaults filled, frozen, indexed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import type { DeviceConfig, HomeConfig } from '../rules/types.js';
import { isKnownTimeZone } from '../rules/local-time.js';
import { DEFAULT_RULE_PARAMS, MAX_RULE_MINUTES } from '../rules/params.js';
import { derivedActivityKeys } from '../rules/presence.js';
import { canonicalRoom, deviceKindFromName, roomKey, SEVERITIES } from '../rules/vocabulary.js';
import type { HubConfig } from './config-types.js';
import { abbreviationReadAs } from './coverage.js';
import { editDistance, nearest } from './edit-distance.js';
import { loadConfigValidator } from './config-validator.js';
import {
  hubNamePattern,
  topicSafeIdPattern,
  webhookUrlPattern,
  zigbeeBaseTopicPattern,
  zigbeeNamePattern,
} from './config-patterns.js';
import { storedHashProblem } from './passwords.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

// The build's generated validator, or Ajv's compile of the schema when there is none (hub/config-validator.ts).
const validateHubConfig = loadConfigValidator().validate;

/** `/homes/0/devices/2/kind` → `homes[0].devices[2].kind` */
function fieldName(instancePath: string, extra?: string): string {
  const segments = instancePath.split('/').slice(1);
  if (extra !== undefined) segments.push(extra);
  let out = '';
  for (const s of segments) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out === '' ? '(top level)' : out;
}

/**
 * Where `value` breaks its field's rule, for a person to find it: `here "/" at character 12`, or for a character that
 * cannot be seen `here U+200B (invisible) at character 16` (one pasted with a name from a web page or a document).
 */
function whereWrong(value: unknown, wrong: RegExp): string {
  if (typeof value !== 'string') return '';
  const found = wrong.exec(value);
  if (!found) return '';
  const [char] = found;
  const at = Array.from(value.slice(0, found.index)).length + 1;
  const shown =
    char === ' '
      ? '" " (a space)'
      : /[\s\p{C}]/u.test(char)
        ? `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} (invisible)`
        : JSON.stringify(char);
  return ` (here ${shown} at character ${at})`;
}

/** What a field with a pattern takes, said as the installer writes it (review, session 59: not one message for all). */
function describePattern(field: string, pattern: string, value: unknown): string {
  switch (pattern) {
    case topicSafeIdPattern:
      return `${field}: must not contain / + # or an invisible or control character (an MQTT topic level cannot carry them: the device would never be heard), nor begin or end with a space${whereWrong(value, /[/+#\p{C}]|^\s|\s$/u)}`;
    case zigbeeNamePattern:
      return `${field}: must be the friendly name exactly as Zigbee2MQTT shows it: spaces and / are fine, + # and invisible or control characters are not${whereWrong(value, /[+#\p{C}]/u)}`;
    case hubNamePattern:
      return `${field}: must be letters, digits, _, . or - only${whereWrong(value, /[^A-Za-z0-9_.-]/)}`;
    case zigbeeBaseTopicPattern:
      return `${field}: must be the base_topic of Zigbee2MQTT's configuration: no + or #, and not ending in /${whereWrong(value, /[+#]|\/$/)}`;
    case webhookUrlPattern:
      return `${field}: must begin with https:// (or http://)`;
  }
  return `${field}: must match the pattern ${pattern}`;
}

/**
 * The field `written` is most likely a slip of: the nearest by spelling (`nearest`), else the one field whose name
 * begins with it, give or take one slip (`timeout` or `timout` for `timeoutSeconds`, `allowPrivate` for
 * `allowPrivateNetwork`): the unit or the rest of the name left off is too many letters for the spelling's third
 * (review, session 73). Four letters at least, and one field only (`allow` begins two): else nothing.
 */
function nearestField(written: string, known: readonly string[]): string | undefined {
  const near = nearest(written, known);
  if (near !== undefined || written.length < 4) return near;
  const begun = known.filter((name) => {
    if (name.length <= written.length) return false;
    let best = Infinity;
    for (let k = Math.max(1, written.length - 1); k <= Math.min(name.length, written.length + 1); k++)
      best = Math.min(best, editDistance(written, name.slice(0, k)));
    return best <= 1;
  });
  return begun.length === 1 ? begun[0] : undefined;
}

/** ` (did you mean 'x'?)`, or nothing. */
function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
}

/**
 * A time written as people write it ("7am", "7:30 pm", "7.30", "7:30") in the configuration's HH:MM, or undefined
 * when it is not recognisably a time of day.
 */
function timeAsHhMm(written: unknown): string | undefined {
  if (typeof written !== 'string') return undefined;
  const twelve = /^\s*(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\.?\s*$/i.exec(written);
  const plain = /^\s*(\d{1,2})[:.h](\d{2})\s*$/.exec(written);
  let hours: number;
  let minutes: number;
  if (twelve) {
    hours = Number(twelve[1]);
    minutes = Number(twelve[2] ?? '0');
    if (hours < 1 || hours > 12) return undefined;
    hours = (hours % 12) + (twelve[3]!.toLowerCase() === 'p' ? 12 : 0);
  } else if (plain) {
    hours = Number(plain[1]);
    minutes = Number(plain[2]);
  } else return undefined;
  if (hours > 23 || minutes > 59) return undefined;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** Why a home's `timezone` is refused, with the zone meant when it can be told; undefined when it is a zone. */
export function timeZoneProblem(zone: string): string | undefined {
  if (isKnownTimeZone(zone)) return undefined;
  const meant = nearestTimeZone(zone);
  // ' ist' was told "did you mean 'ist'?", an abbreviation that the advice then warned about (review, session 68).
  const readAs = meant === undefined ? undefined : abbreviationReadAs(meant);
  if (readAs !== undefined)
    return `unknown time zone '${zone}': '${meant!.toUpperCase()}' is an abbreviation, not a time zone (alone it is read as ${readAs}'s time): write the zone's Area/City name, e.g. 'Europe/London'`;
  return `unknown time zone '${zone}'${didYouMean(meant)}`;
}

/**
 * A command's time zone option (`telecare replay --tz`, `telecare simulate --tz`): refused as a home's `timezone` is,
 * with the zone meant, where Intl's "Invalid time zone specified: America/New York" (replay) or "use an IANA name"
 * (simulate) left the installer to find it (review, session 68). An abbreviation is taken, with a warning to print.
 */
export function timeZoneOption(zone: string, option: string): { warning?: string } {
  const problem = timeZoneProblem(zone);
  if (problem !== undefined) throw new Error(`${option}: ${problem}`);
  const readAs = abbreviationReadAs(zone);
  return readAs === undefined
    ? {}
    : {
        warning: `${option} '${zone}' is an abbreviation, not a time zone: read as ${readAs}'s time. Write the zone's Area/City name, e.g. 'Europe/London' (GMT in winter, BST in summer)`,
      };
}

/** The zone a misspelt or shortened name means ('Europe/Londn', 'London', 'new york'), from Intl's list of zones. */
function nearestTimeZone(written: string): string | undefined {
  let zones: string[];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    return undefined;
  }
  const asCity = written.trim().replace(/\s+/g, '_').toLowerCase();
  const byCity = zones.find((zone) => zone.split('/').at(-1)?.toLowerCase() === asCity);
  if (byCity !== undefined) return byCity;
  if (isKnownTimeZone(written.trim())) return written.trim();
  return nearest(written, zones);
}

/** The fields an object of the schema takes (Ajv's verbose error carries the object's schema). */
function knownFields(error: ErrorObject): string[] {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties === undefined ? [] : Object.keys(properties);
}

/** A device kind written otherwise ("PIR", "pendent", "Front door"): the kind it names or nearly spells. */
function kindSuggestion(written: unknown, allowed: readonly string[]): string | undefined {
  if (typeof written !== 'string') return undefined;
  const byName = deviceKindFromName(written);
  if (byName !== 'other') return byName;
  // A kind said with a word more, "smoke alarm", "pendant alarm", "CO detector", "flood sensor" (review, session 77):
  // the first word that is a kind, or says one.
  for (const word of written.toLowerCase().split(/[^a-z0-9]+/)) {
    const kind = KIND_WORDS[word] ?? (word !== 'other' && allowed.includes(word) ? word : undefined);
    if (kind !== undefined) return kind;
  }
  return nearest(written, allowed);
}

/** Words an installer writes for a kind that `deviceKindFromName` leaves as `other`. */
const KIND_WORDS: Readonly<Record<string, string>> = {
  fire: 'smoke',
  monoxide: 'co',
  flood: 'water',
  leak: 'water',
  sos: 'pendant',
  panic: 'pendant',
  thermometer: 'climate',
  temperature: 'climate',
  humidity: 'climate',
};

/** A value in JSON words, for a message: `the text "120"`, `a list`, `an object`, `true`. */
function jsonKind(value: unknown): string {
  if (typeof value === 'string') return `the text "${value}"`;
  if (Array.isArray(value)) return 'a list [...]';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object {...}';
  return JSON.stringify(value) ?? 'nothing';
}

/**
 * A value of the wrong JSON type, said with what was written and, where it can be told, the form meant (review,
 * session 68: `residents[0]: must be object` for `"residents": ["r1"]`, `must be number` for `"120"`, `homes: must be
 * array` for one home written without its brackets).
 */
function typeMistake(field: string, expected: string, written: unknown, schema: unknown): string {
  const not = `, not ${jsonKind(written)}`;
  if ((expected === 'number' || expected === 'integer') && typeof written === 'string') {
    const n = Number(written.trim());
    const hint = written.trim() !== '' && Number.isFinite(n) ? `: write ${String(n)} without quotes` : '';
    return `${field}: must be a number${not}${hint}`;
  }
  if (expected === 'boolean') {
    const word = typeof written === 'string' ? written.trim().toLowerCase() : undefined;
    const meant = ['true', 'yes', 'on', '1'].includes(word ?? '')
      ? 'true'
      : ['false', 'no', 'off', '0'].includes(word ?? '')
        ? 'false'
        : undefined;
    return `${field}: must be true or false${not}${meant === undefined ? '' : `: write ${meant} without quotes`}`;
  }
  if (expected === 'object' && typeof written === 'string') {
    const { required = [], properties = {} } = (schema ?? {}) as { required?: string[]; properties?: object };
    if (required.includes('id')) return `${field}: must be an object with its id${not}: write { "id": "${written}" }`;
    if ('start' in properties && 'end' in properties) {
      const [start = 'HH:MM', end = 'HH:MM'] = written.split(/\s*(?:-|–|to)\s*/).map((t) => timeAsHhMm(t) ?? t.trim());
      return `${field}: must be an object${not}: write { "start": "${start}", "end": "${end}" }`;
    }
    return `${field}: must be an object { ... }${not}`;
  }
  if (expected === 'array' && written !== null && typeof written === 'object') {
    return `${field}: must be a list${not}: put it in square brackets, [ { ... } ] (a list of one is fine)`;
  }
  if (expected === 'string' && (typeof written === 'number' || typeof written === 'boolean'))
    return `${field}: must be a string${not}: write "${String(written)}" in quotes`;
  const article = /^[aeiou]/.test(expected) ? 'an' : 'a';
  return `${field}: must be ${expected === 'array' ? 'a list [...]' : `${article} ${expected}`}${not}`;
}

function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return typeMistake(fieldName(error.instancePath), String(p.type), error.data, error.parentSchema);
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const suggestion = error.instancePath.endsWith('/kind')
        ? kindSuggestion(error.data, allowed)
        : typeof error.data === 'string'
          ? nearest(error.data, allowed)
          : undefined;
      const written = typeof error.data === 'string' ? `, not '${error.data}'` : '';
      return `${fieldName(error.instancePath)}: must be one of ${allowed.join(', ')}${written}${didYouMean(suggestion)}`;
    }
    case 'required':
      return `${fieldName(error.instancePath, String(p.missingProperty))}: is required`;
    case 'additionalProperties': {
      const extra = String(p.additionalProperty);
      const meant = nearestField(extra, knownFields(error));
      // `"devices"` beside `"homes"` rather than inside a home (review, session 68).
      const homeField =
        meant === undefined && error.instancePath === '' && HOME_FIELDS.includes(extra)
          ? ` (a home's field: it goes inside its home, "homes": [ { "id": ..., "${extra}": ... } ])`
          : '';
      return `${fieldName(error.instancePath, extra)}: unknown field${didYouMean(meant)}${homeField}`;
    }
    case 'minLength':
      // Ajv's "must NOT have fewer than 16 characters" left the installer to invent a secret (review, session 73). Its
      // length only is said: the secret is never echoed.
      if (error.instancePath.endsWith('/webhook/secret'))
        return `${fieldName(error.instancePath)}: must be ${String(p.limit)} characters at least, shared with the receiver, which checks each alert's signature with it; make one with: openssl rand -hex 32`;
      return typeof error.data === 'string' && error.data.length === 0
        ? `${fieldName(error.instancePath)}: must not be empty`
        : `${fieldName(error.instancePath)}: must be ${String(p.limit)} characters at least`;
    case 'not':
      return `${fieldName(error.instancePath)}: this value is reserved`;
    case 'pattern':
      // A clear password where a hash belongs (an installer's first mistake): say so and how to hash it, never echo it.
      if (error.instancePath.endsWith('/passwordHash'))
        return `${fieldName(error.instancePath)}: must be a scrypt hash ("scrypt$..."), not the password itself; make one with: echo 'the password' | npx telecare hub --hash-password`;
      if (String(p.pattern).includes('[0-5][0-9]')) {
        const written = typeof error.data === 'string' ? `, not '${error.data}'` : '';
        return `${fieldName(error.instancePath)}: must be a time HH:MM on the 24-hour clock (e.g. 07:00, 23:30)${written}${didYouMean(timeAsHhMm(error.data))}`;
      }
      if (String(p.pattern) === '^[^\\p{C}]+$' && error.instancePath.endsWith('/username'))
        return `${fieldName(error.instancePath)}: contains an invisible or control character (Unicode category C): the username is recorded as who acknowledged an alert`;
      if (String(p.pattern) === '^[^\\p{C}]+$')
        return `${fieldName(error.instancePath)}: contains an invisible or control character (Unicode category C)`;
      return describePattern(fieldName(error.instancePath), String(p.pattern), error.data);
    case 'minimum':
    case 'maximum': {
      const reason = (error.parentSchema as { description?: unknown } | undefined)?.description;
      if (!error.instancePath.includes('/rules/') || typeof reason !== 'string') break;
      if (error.keyword === 'maximum' && error.instancePath.endsWith('Minutes') && p.limit === MAX_RULE_MINUTES) {
        return `${fieldName(error.instancePath)}: ${String(error.data)} minutes is over a day: the rule would wait that long before an alert (at most ${MAX_RULE_MINUTES})`;
      }
      return `${fieldName(error.instancePath)}: ${error.message ?? 'is out of range'} (${reason.replace(/\.$/, '')})`;
    }
  }
  return `${fieldName(error.instancePath)}: ${error.message ?? 'is invalid'}`;
}

/**
 * Ladders are named `<name>` or `<name>:<severity>`; a step's group must be one some responder is in (when any
 * responder is configured: without them groups only label the MQTT and dashboard alert). Returns the names a home's
 * `escalation` may use.
 */
function checkLadders(config: HubConfig, problems: string[]): Set<string> {
  const names = new Set<string>();
  const groups = [...new Set(config.responders.map((r) => r.group))];
  for (const [key, steps] of Object.entries(config.escalation)) {
    const colon = key.lastIndexOf(':');
    const severity = colon < 0 ? undefined : key.slice(colon + 1);
    if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity)) {
      problems.push(
        `escalation.${key}: unknown severity '${severity}' (a ladder is named <name> or <name>:critical, high, medium, low or info)`,
      );
    }
    names.add(colon < 0 ? key : key.slice(0, colon));
    if (groups.length === 0) continue;
    steps.forEach((step, i) => {
      if (!groups.includes(step.group)) {
        problems.push(
          `escalation.${key}[${i}].group: no responder is in group '${step.group}' (groups: ${groups.join(', ')})`,
        );
      }
    });
  }
  return names;
}

/**
 * Each device's room as the rules understand it (`canonicalRoom`: "Bathroom ", "Living room" are SPEC 3's names), and
 * any other room written two ways in one home ("Porch" and "porch ") as its first spelling: the rules compare rooms
 * exactly, and would otherwise take a door and the PIR beside it for two rooms (review, session 59).
 */
function canonicalRooms(config: HubConfig): void {
  for (const home of config.homes) {
    const spelling = new Map<string, string>();
    for (const device of home.devices) {
      if (device.room === undefined) continue;
      const room = canonicalRoom(device.room);
      const key = roomKey(room);
      if (!spelling.has(key)) spelling.set(key, room.trim());
      device.room = spelling.get(key);
    }
  }
}

function hasHost(url: string): boolean {
  try {
    return new URL(url).hostname !== '';
  } catch {
    return false;
  }
}

/** An http:// URL to another machine: alerts (home, resident, room) would cross the network unencrypted. */
function plainHttpOffThisMachine(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:') return false;
  const host = parsed.hostname.toLowerCase();
  return !(
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/**
 * An empty night window, an inactivity floor above its cap (which silently wins), an outing bound's minimum above its
 * maximum, a cold limit not below the heat limit; the schema bounds the rest.
 */
function checkRuleTimes(home: HomeConfig, h: number, problems: string[]): void {
  // rules/local-time.ts inWindow: a window from a time to the same time holds no minute at all.
  if (home.nightWindow.start === home.nightWindow.end) {
    problems.push(
      `homes[${h}].nightWindow: starts and ends at ${home.nightWindow.start}, so the night is empty and the night rules ` +
        `(night-exit, out-of-bed-too-long) never run; give its end, e.g. '06:00'`,
    );
  }
  const floor = home.rules.inactivity?.floorMinutes ?? DEFAULT_RULE_PARAMS.inactivity.floorMinutes;
  const cap = home.rules.inactivity?.capMinutes ?? DEFAULT_RULE_PARAMS.inactivity.capMinutes;
  if (floor > cap) problems.push(`homes[${h}].rules.inactivity.floorMinutes: ${floor} is above capMinutes ${cap}`);
  // An outing's bound is at least outingBoundMinHours, and none at all past outingBoundMaxHours (unless within
  // outingBoundLateMaxDays): a minimum above the maximum turns the bound off without a word (rules/home-state.ts
  // outingBoundMs), and a collapse behind a door that moved while the resident stayed in is never called.
  const presence = { ...DEFAULT_RULE_PARAMS.presence, ...home.rules.presence };
  if (
    presence.outingBoundMaxHours > 0 &&
    presence.outingBoundMinHours > presence.outingBoundMaxHours &&
    presence.outingBoundMinHours > presence.outingBoundLateMaxDays * 24
  ) {
    problems.push(
      `homes[${h}].rules.presence.outingBoundMinHours: ${presence.outingBoundMinHours} is above outingBoundMaxHours ` +
        `${presence.outingBoundMaxHours}, so an outing nothing ends would never end (set outingBoundMaxHours 0 to mean that)`,
    );
  }
  // A room below coldBelowC and above heatAboveC at once is called cold (rules/climate.ts): a warm room, too cold.
  const climate = { ...DEFAULT_RULE_PARAMS.climate, ...home.rules.climate };
  if (climate.coldBelowC >= climate.heatAboveC) {
    problems.push(
      `homes[${h}].rules.climate.coldBelowC: ${climate.coldBelowC} is not below heatAboveC ${climate.heatAboveC}, so ` +
        `a room warmer than ${climate.heatAboveC} °C would be called cold`,
    );
  }
}

/** What a schema cannot say: unique ids, known time zones, references that resolve. */
function crossCheck(config: HubConfig): string[] {
  const problems: string[] = [];
  const homeIds = new Set<string>();
  const zigbeeNames = new Map<string, string>();
  const ladderNames = checkLadders(config, problems);
  config.homes.forEach((home, h) => {
    if (homeIds.has(home.id)) problems.push(`homes[${h}].id: duplicate home id '${home.id}'`);
    homeIds.add(home.id);
    const zoneProblem = timeZoneProblem(home.timezone);
    if (zoneProblem !== undefined) problems.push(`homes[${h}].timezone: ${zoneProblem}`);
    checkRuleTimes(home, h, problems);
    if (home.escalation !== undefined && !ladderNames.has(home.escalation)) {
      problems.push(`homes[${h}].escalation: no escalation ladder named '${home.escalation}'`);
    }
    const residentIds = new Set(home.residents.map((r) => r.id));
    const deviceIds = new Set<string>();
    const allDeviceIds = new Set(home.devices.map((device) => device.id));
    home.devices.forEach((device, d) => {
      const at = `homes[${h}].devices[${d}]`;
      if (deviceIds.has(device.id)) problems.push(`${at}.id: duplicate device id '${device.id}' in home '${home.id}'`);
      deviceIds.add(device.id);
      // The rules learn the silence after a door's opening, its closing and a chair left apart from the device's
      // other reports, under `<id>:open`, `<id>:closed` and `<id>:left` (rules/presence.ts): a device so named would
      // mix its silences with those (a kitchen PIR 'sofa:left' learning from the resident getting up from the chair).
      for (const key of derivedActivityKeys(device.id)) {
        if (allDeviceIds.has(key)) {
          problems.push(
            `homes[${h}].devices[${home.devices.findIndex((other) => other.id === key)}].id: '${key}' is what the ` +
              `rules learn device '${device.id}' under in home '${home.id}'; rename it (no id may be another ` +
              `device's id followed by :open, :closed or :left)`,
          );
        }
      }
      if (device.residentId !== undefined && !residentIds.has(device.residentId)) {
        problems.push(`${at}.residentId: no resident '${device.residentId}' in home '${home.id}'`);
      }
      if (device.zigbee !== undefined) {
        // A friendly name beginning with the base topic is advice, not a problem (hub/coverage.ts baseTopicNameAdvice):
        // Zigbee2MQTT takes such a name, and a hub that heard the device yesterday must start today (review, session 60).
        const first = zigbeeNames.get(device.zigbee);
        if (first) problems.push(`${at}.zigbee: friendly name '${device.zigbee}' is already used by ${first}`);
        else zigbeeNames.set(device.zigbee, at);
      }
    });
  });
  // A responder's webhook deliveries are queued under its id and sent to the first responder of that id: a second
  // entry copied with its id unchanged (another group, the call centre's URL) had its escalations posted to the
  // first's URL, signed with the first's secret, and never to its own (review, session 73).
  const responderIds = new Map<string, number>();
  config.responders.forEach((responder, i) => {
    const first = responderIds.get(responder.id);
    if (first === undefined) responderIds.set(responder.id, i);
    else {
      problems.push(
        `responders[${i}].id: duplicate responder id '${responder.id}' (responders[${first}] has it): alerts for ` +
          `this one would be sent to responders[${first}]'s webhook; give each responder an id of its own`,
      );
    }
  });
  config.responders.forEach((responder, i) => {
    if (responder.webhook !== undefined && !hasHost(responder.webhook.url)) {
      // Not echoed: a webhook URL may carry the call centre's token.
      problems.push(`responders[${i}].webhook.url: not a URL with a host name`);
    } else if (responder.webhook !== undefined && !responder.webhook.allowPlainHttp) {
      if (plainHttpOffThisMachine(responder.webhook.url)) {
        problems.push(
          `responders[${i}].webhook.url: plain http:// to another machine would carry alerts about a person unencrypted; ` +
            `use https://, or set responders[${i}].webhook.allowPlainHttp to true for a link you trust (a VPN)`,
        );
      }
    }
  });
  const users = new Set<string>();
  config.mqttUsers.forEach((u, i) => {
    if (users.has(u.username)) problems.push(`mqttUsers[${i}].username: duplicate username '${u.username}'`);
    users.add(u.username);
    const hashProblem = storedHashProblem(u.passwordHash);
    if (hashProblem !== undefined) {
      problems.push(
        `mqttUsers[${i}].passwordHash: ${hashProblem}; make it again with: echo 'the password' | npx telecare hub --hash-password`,
      );
    }
    u.homes?.forEach((id, j) => {
      // With the home meant (review, session 77: `flat3` for `flat-3` was told `no home 'flat3'` alone).
      if (id !== '*' && !homeIds.has(id))
        problems.push(`mqttUsers[${i}].homes[${j}]: no home '${id}'${didYouMean(nearest(id, [...homeIds]))}`);
    });
  });
  return problems;
}

/**
 * A copy of JSON-like input in which equal strings are one string. A configuration repeats the same few strings in
 * every home (rooms, kinds, device ids of a scheme's standard flat, the time zone); JSON.parse makes each occurrence
 * its own copy (about 1.5 MB of strings with 1,000 homes).
 */
function internedCopy(value: unknown, strings: Map<string, string>): unknown {
  if (typeof value === 'string') {
    const known = strings.get(value);
    if (known !== undefined) return known;
    strings.set(value, value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => internedCopy(item, strings));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a "__proto__" key stays a key (and fails validation), never a prototype.
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, internedCopy(inner, strings)]));
  }
  return value;
}

/**
 * Freezes the configuration and shares its equal parts, bottom-up: every home's filled-in defaults (empty rule
 * sections, the same night window) and the devices a scheme's standard flat repeats in every home become one frozen
 * object each. Safe because nothing in the configuration can change once parsed, and no code keys on their identity.
 * Parts are equal when they have the same keys in the same order and equal values.
 */
class FrozenParts {
  private readonly byShape = new Map<string, object>();
  private readonly ids = new Map<object, number>();
  private unshared = 0;

  share<T>(value: T): T {
    if (value === null || typeof value !== 'object') return value;
    const node = value as Record<string, unknown>;
    // Length-prefixed parts: no key or string can make two different parts' shapes equal.
    let shape = Array.isArray(node) ? '[' : '{';
    for (const key of Object.keys(node)) {
      const inner = node[key];
      const shared = this.share(inner);
      if (shared !== inner) node[key] = shared;
      shape += `${String(key.length)}:${key}=${this.token(shared)};`;
    }
    const known = this.byShape.get(shape);
    if (known !== undefined) return known as T;
    Object.freeze(node);
    this.byShape.set(shape, node);
    this.ids.set(node, this.ids.size);
    return value;
  }

  private token(value: unknown): string {
    switch (typeof value) {
      case 'object':
        return value === null ? 'null' : `#${String(this.ids.get(value))}`;
      case 'string':
        return `s${String(value.length)}:${value}`;
      case 'number':
        return Object.is(value, -0) ? 'n-0' : `n${String(value)}`;
      case 'boolean':
        return String(value);
      case 'undefined':
        return 'u';
      default:
        // Not JSON (validation refuses it): never equal to anything.
        return `?${String(this.unshared++)}`;
    }
  }
}

/** Validate a parsed configuration object, fill defaults and freeze it. `file` only names it in errors. */
/** Each home's `timezone` that is a string and no known zone, in a configuration the schema refused. */
function unknownTimeZones(candidate: unknown): string[] {
  const homes = (candidate as { homes?: unknown } | null)?.homes;
  if (!Array.isArray(homes)) return [];
  return homes.flatMap((home: unknown, h) => {
    const zone = (home as { timezone?: unknown } | null)?.timezone;
    const problem = typeof zone === 'string' ? timeZoneProblem(zone) : undefined;
    return problem === undefined ? [] : [`homes[${h}].timezone: ${problem}`];
  });
}

/** A home's own fields, which an installer may write at the top of the file, outside `homes`. */
const HOME_FIELDS = ['id', 'timezone', 'residents', 'devices', 'nightWindow', 'away', 'rules', 'routine'];

/**
 * A file holding one home as it is, with no `homes` around it (the shape `telecare replay --config` takes): each of its
 * fields was told `unknown field`, four lines with nothing to say what to do (review, session 68).
 */
function oneHomeFile(candidate: unknown): string | undefined {
  if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) return undefined;
  const fields = Object.keys(candidate);
  if (fields.includes('homes') || !fields.includes('id') || fields.filter((f) => HOME_FIELDS.includes(f)).length < 2)
    return undefined;
  return `the file is one home, with no "homes" around it: a hub's configuration lists its homes, { "homes": [ { "id": ..., "timezone": ..., "devices": [...] } ] } (put the home's { ... } inside "homes": [ ])`;
}

export function parseHubConfig(raw: unknown, file = 'configuration'): HubConfig {
  // A copy: Ajv fills defaults into what it validates, and the caller's object stays as it was.
  const candidate = internedCopy(raw, new Map());
  if (!validateHubConfig(candidate)) {
    const oneHome = oneHomeFile(raw);
    if (oneHome !== undefined) throw new ConfigError(file, [oneHome]);
    // The time zones too, so that a file with a schema mistake and a misspelt zone is not fixed in two rounds; the
    // other cross-checks need the shapes the schema guarantees.
    throw new ConfigError(file, [...(validateHubConfig.errors ?? []).map(describe), ...unknownTimeZones(candidate)]);
  }
  const config = candidate as HubConfig;
  canonicalRooms(config);
  const problems = crossCheck(config);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return new FrozenParts().share(config);
}

/** The path the hub reads: HUB_CONFIG, else ./telecare.config.json. */
export function configPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, env.HUB_CONFIG || 'telecare.config.json');
}

/**
 * Read and validate the configuration file. An absent file is a valid empty hub (no homes), so that
 * `npm start` works on a fresh clone; unless `required` (an explicit HUB_CONFIG that is missing is a mistake).
 */
export function loadHubConfig(file: string, options: { required?: boolean } = {}): HubConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !options.required) return parseHubConfig({}, file);
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseHubConfig(configJson(bytes, file), file);
}

/**
 * A configuration file's JSON, read as the hub reads it (a UTF-8 byte-order mark taken, UTF-16 refused with advice),
 * not yet validated: for tools that accept more shapes than the hub (`telecare replay --config`).
 */
export function readConfigJson(file: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  return configJson(bytes, file);
}

function configJson(bytes: Buffer, file: string): unknown {
  // Windows editors save UTF-16 with a byte-order mark, or UTF-8 with one: JSON.parse reads neither.
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new ConfigError(file, ['the file is UTF-16: save it as UTF-8 (in Notepad: Save as, Encoding UTF-8)']);
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new ConfigError(file, ['the file is empty (a hub with no homes yet is {})']);
  try {
    return JSON.parse(text);
  } catch (err) {
    // A word processor's (or a phone's) curly quotes: JSON.parse says only where it stopped (review, session 68).
    const curly = /[\u201C\u201D\u2018\u2019]/.test(text)
      ? ' (the file has curly quotes, \u201C \u201D, as a word processor writes them: JSON takes only straight quotes ")'
      : '';
    throw new ConfigError(file, [`not valid JSON: ${jsonMistake((err as Error).message, text)}${curly}`]);
  }
}

/** How many characters V8 quotes either side of an unexpected token (its kMaxContextCharacters). */
const V8_CONTEXT_CHARS = 10;

/**
 * JSON.parse's complaint with its place as a line and column, never quoting the file: V8 quotes the text around an
 * unexpected token (`Unexpected token 'W', ..."secret": WEBHOOKSEC"...`), which in a configuration file may be a
 * webhook secret or a password hash, printed on stderr at start and logged on a reload.
 */
export function jsonMistake(message: string, text: string): string {
  const place = (position: number): string => {
    const before = text.slice(0, position).split('\n');
    return `at line ${String(before.length)}, column ${String((before.at(-1)?.length ?? 0) + 1)}`;
  };
  // A comma after an object's or a list's last item (a device deleted from the end of the list, a line copied with its
  // comma): JSON.parse points at the bracket after it, on the next line, where there is nothing to mend (review,
  // session 67).
  const trailingComma = (position: number): string | undefined => {
    const bracket = text[position];
    if (bracket !== ']' && bracket !== '}') return undefined;
    const comma = text.slice(0, position).trimEnd().length - 1;
    return text[comma] === ','
      ? `a comma after the last item ${place(comma)} (JSON takes none before the '${bracket}' ${place(position)}): delete it`
      : undefined;
  };
  const quoted = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (quoted) {
    const [, token = '', cutBefore, context = ''] = quoted;
    const start = cutBefore ? text.indexOf(context) : 0;
    const position = start < 0 ? -1 : start + (cutBefore ? V8_CONTEXT_CHARS : context.indexOf(token));
    if (position < 0) return 'unexpected character';
    return trailingComma(position) ?? `unexpected character ${place(position)}`;
  }
  const at = / in JSON at position (\d+)/.exec(message);
  if (at) {
    const position = Number(at[1]);
    const said = `${message.slice(0, at.index).replace(/ \(line \d+ column \d+\)$/, '')} ${place(position)}`;
    // The next item's place, often the next line's start: the comma left out goes after the item before it.
    const end = text.slice(0, position).trimEnd().length - 1;
    const missingComma =
      message.startsWith("Expected ',' or ") && end >= 0 && end < position - 1
        ? ` (is a comma missing ${place(end + 1)}?)`
        : '';
    return trailingComma(position) ?? `${said}${missingComma}`;
  }
  // Any other message that quotes the text is not repeated.
  return message.includes('"') ? 'the text is not JSON' : message;
}

export interface DeviceRef {
  home: HomeConfig;
  device: DeviceConfig;
}

/** Lookups the ingest hot path needs: (home, device id) and Zigbee2MQTT friendly name → device and home. */
export class DeviceIndex {
  private readonly byId = new Map<string, Map<string, DeviceRef>>();
  private readonly byZigbee = new Map<string, DeviceRef>();

  constructor(config: HubConfig) {
    for (const home of config.homes) {
      const devices = new Map<string, DeviceRef>();
      for (const device of home.devices) {
        const ref = { home, device };
        devices.set(device.id, ref);
        if (device.zigbee !== undefined) this.byZigbee.set(device.zigbee, ref);
      }
      this.byId.set(home.id, devices);
    }
  }

  device(homeId: string, deviceId: string): DeviceRef | undefined {
    return this.byId.get(homeId)?.get(deviceId);
  }

  zigbee(friendlyName: string): DeviceRef | undefined {
    return this.byZigbee.get(friendlyName);
  }
}
