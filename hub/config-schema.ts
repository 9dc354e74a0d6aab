// The JSON Schema of telecare.config.json (SPEC 3): the one source for validation, defaults and docs/telecare.config.schema.json.
import { ruleOverridesSchema } from '../rules/params.js';
import { DEVICE_KINDS } from '../rules/vocabulary.js';
import {
  hubNamePattern,
  topicSafeIdPattern,
  webhookUrlPattern,
  zigbeeBaseTopicPattern,
  zigbeeNamePattern,
} from './config-patterns.js';

// Ids travel in MQTT topics: no topic separators or wildcards in them. No invisible or control characters either
// (Unicode category C): ingest drops such ids as `bad-id`, so a device so named would never be heard. Spaces inside
// are heard as any character (session 59), not at either end (a typo no one sees).
const topicSafeId = { type: 'string', minLength: 1, maxLength: 64, pattern: topicSafeIdPattern } as const;
/** Text a person reads (rooms, resident ids): anything printable. */
const printableText = '^[^\\p{C}]+$';
const clockTime = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' } as const;
const MQTT_ROLES = ['installer', 'device', 'responder', 'bridge'] as const;

const deviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind'],
  properties: {
    id: {
      ...topicSafeId,
      description:
        "Id on the native topic telecare/<homeId>/devices/<id>/events; not another device's id followed by :open, :closed or :left (the rules learn under those)",
    },
    zigbee: {
      type: 'string',
      minLength: 1,
      // Ingest's own limit (MAX_FRIENDLY_NAME_LENGTH): a longer name would be dropped as a bad id, a deaf device.
      maxLength: 256,
      pattern: zigbeeNamePattern,
      // Topics that are never sensor data (hub/ingest.ts sensorTopic): a device so named would never be heard.
      not: { pattern: '^bridge(/|$)|/(set|get)(/|$)|/availability$' },
      description: 'Zigbee2MQTT friendly name (may contain /)',
    },
    kind: { enum: [...DEVICE_KINDS] },
    room: { type: 'string', minLength: 1, maxLength: 64, pattern: printableText },
    residentId: { type: 'string', minLength: 1, description: 'For a pendant or wearable: who wears it' },
  },
} as const;

const homeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { ...topicSafeId, not: { const: 'hub' }, description: '"hub" is reserved (telecare/hub/status)' },
    timezone: { type: 'string', minLength: 1, default: 'UTC', description: 'IANA time zone, e.g. Europe/London' },
    nightWindow: {
      type: 'object',
      additionalProperties: false,
      required: ['start', 'end'],
      properties: { start: clockTime, end: clockTime },
      default: { start: '23:00', end: '06:00' },
    },
    away: { type: 'boolean', default: false },
    residents: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: printableText } },
      },
    },
    devices: { type: 'array', default: [], items: deviceSchema },
    rules: { ...ruleOverridesSchema(), default: {} },
    routine: {
      type: 'object',
      additionalProperties: false,
      properties: { usualRisingTime: clockTime, usualBedtime: clockTime },
      description:
        "From the care plan, for the first weeks before the hub has learned: the resident's usual rising time and bedtime (local HH:MM)",
    },
    escalation: { type: 'string', minLength: 1, description: 'Name of the escalation ladder (default: "default")' },
  },
} as const;

export const hubConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://telecare-hub.example/telecare.config.schema.json',
  title: 'Telecare hub configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    hub: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 64, pattern: hubNamePattern, default: 'telecare-hub' },
        zigbeeBaseTopic: { type: 'string', minLength: 1, pattern: zigbeeBaseTopicPattern, default: 'zigbee2mqtt' },
      },
    },
    homes: { type: 'array', default: [], items: homeSchema },
    responders: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'group'],
        properties: {
          id: { type: 'string', minLength: 1 },
          group: { type: 'string', minLength: 1 },
          webhook: {
            type: 'object',
            additionalProperties: false,
            required: ['url', 'secret'],
            properties: {
              url: { type: 'string', pattern: webhookUrlPattern },
              secret: { type: 'string', minLength: 16 },
              allowPrivateNetwork: {
                type: 'boolean',
                default: false,
                description: 'Deliver to loopback, link-local or private addresses (refused by default)',
              },
              allowPlainHttp: {
                type: 'boolean',
                default: false,
                description:
                  'Allow an http:// URL to a host other than this machine (refused by default: alerts would cross the network unencrypted)',
              },
            },
          },
        },
      },
    },
    escalation: {
      type: 'object',
      default: {},
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['group', 'timeoutSeconds'],
          properties: {
            group: { type: 'string', minLength: 1 },
            timeoutSeconds: { type: 'number', exclusiveMinimum: 0 },
          },
        },
      },
    },
    mqttUsers: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'passwordHash', 'role'],
        properties: {
          username: {
            type: 'string',
            minLength: 1,
            maxLength: 64,
            // Recorded as who acknowledged an alert over MQTT (acknowledgedBy): shown on consoles and sent to the centre.
            pattern: printableText,
            description:
              'MQTT username; no invisible or control character (it is recorded as who acknowledged an alert)',
          },
          passwordHash: {
            type: 'string',
            pattern: '^scrypt\\$',
            description: 'scrypt hash as printed by `telecare hub --hash-password` (never a clear password)',
          },
          role: { enum: [...MQTT_ROLES] },
          homes: {
            type: 'array',
            items: { type: 'string', minLength: 1, maxLength: 64 },
            uniqueItems: true,
            description:
              'Homes this credential may publish sensor data for and read (a home id, or "*" for all). Absent: every home for installer and responder, none for device and bridge.',
          },
        },
      },
    },
  },
} as const;
