// The patterns of telecare.config.json's text fields: the schema (hub/config-schema.ts) checks them, and the
// configuration's messages (hub/config.ts) tell each one's rule in words, found by its pattern.

/**
 * Ids travel in MQTT topics: no topic separator or wildcard, no invisible or control character (ingest drops such ids).
 * Spaces inside are a topic's to carry ("Hall pendant"), not at either end, where a typo would go unseen.
 */
export const topicSafeIdPattern = '^[^/+#\\s\\p{C}](?:[^/+#\\p{C}]*[^/+#\\s\\p{C}])?$';
/** A Zigbee2MQTT friendly name: spaces and `/` are fine (SPEC 4.2); wildcards and invisible characters are not. */
export const zigbeeNamePattern = '^[^+#\\p{C}]+$';
/** The hub's name, in its MQTT client id. */
export const hubNamePattern = '^[A-Za-z0-9_.-]+$';
/** Zigbee2MQTT's base_topic: no wildcard, no trailing `/`. */
export const zigbeeBaseTopicPattern = '^[^+#]+[^/+#]$|^[^/+#]$';
/** A responder's webhook. */
export const webhookUrlPattern = '^https?://';
