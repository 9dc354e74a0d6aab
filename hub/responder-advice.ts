// What the configuration's responders and ladders cannot do as written, said to the installer with the layout advice
// (`configAdvice`, hub/coverage.ts): at --check-config, in the start log and in a reload's log.
import { isIP } from 'node:net';
import { isPublicAddress } from './alerts/webhook.js';
import type { HubConfig } from './config-types.js';
import { editDistance } from './edit-distance.js';

/**
 * A webhook whose host is written as a loopback, private or link-local address (`http://127.0.0.1:9000/hook`,
 * `http://localhost/...`, `https://192.168.1.20/...`) without `allowPrivateNetwork`: the file was taken, and every
 * delivery was then refused at the alert (`webhook host ... is at 127.0.0.1, a loopback, private or link-local
 * address`), retried without end, so the responder never heard of a pendant press and nothing said so before one
 * (review, session 73). A host name is not looked up here (the address it has at an alert is the one checked then).
 * Said, not refused: a hub that started with such a file must start again. The URL is not echoed: it may carry the
 * call centre's token.
 */
export function webhookAddressAdvice(config: HubConfig): string[] {
  const advice: string[] = [];
  config.responders.forEach((responder, i) => {
    const webhook = responder.webhook;
    if (webhook === undefined || webhook.allowPrivateNetwork === true) return;
    let host: string;
    try {
      host = new URL(webhook.url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    } catch {
      return; // refused by the configuration's checks, with the reason
    }
    const local = host === 'localhost' || host.endsWith('.localhost');
    if (!local && !(isIP(host) !== 0 && !isPublicAddress(host))) return;
    advice.push(
      `responders[${i}].webhook.url: its host ${host} is ${local ? 'this machine (loopback)' : 'a loopback, private or link-local address'}, ` +
        'where the hub posts only when told to: every alert sent to responder ' +
        `${responder.id} (group ${responder.group}) would be refused at delivery and retried without end, and they ` +
        `would never hear of it. If the receiver is there, set responders[${i}].webhook.allowPrivateNetwork to true; ` +
        "else write the receiver's public https:// address.",
    );
  });
  return advice;
}

/**
 * A ladder that no home follows: a home follows the ladder its `escalation` names, else `default`, so a ladder named
 * after a home's id (`"escalation": { "flat-12": [...] }`) or a misspelt `default` (`Default`, `defualt`) was taken
 * and never used: the homes followed `default`, or with none the default timeouts over the groups in the order the
 * responders list them (review, session 73).
 */
export function unusedLadderAdvice(config: HubConfig): string[] {
  const used = new Set([
    'default',
    ...config.homes.flatMap((home) => (home.escalation === undefined ? [] : [home.escalation])),
  ]);
  const homeIds = new Set(config.homes.map((home) => home.id));
  const hasDefault = Object.keys(config.escalation).some((key) => key === 'default' || key.startsWith('default:'));
  const advice: string[] = [];
  for (const key of Object.keys(config.escalation)) {
    const colon = key.lastIndexOf(':');
    const name = colon < 0 ? key : key.slice(0, colon);
    if (used.has(name)) continue;
    const homesFollow = hasDefault
      ? 'the homes without an "escalation" of their own follow "default"'
      : 'with no "default" ladder, a home without an "escalation" of its own is called through the default timeouts, ' +
        'over the groups in the order the responders list them';
    const hint = homeIds.has(name)
      ? ` A ladder is not found by a home's id: give home ${name} "escalation": "${name}".`
      : editDistance(name, 'default') <= 2
        ? ` Did you mean 'default'?`
        : ` A home follows it when it says "escalation": "${name}".`;
    advice.push(`escalation.${key}: no home follows this ladder, so it is never used: ${homesFollow}.${hint}`);
  }
  return advice;
}

/**
 * A group the homes' ladders call whose responders have no webhook, in a configuration that posts to webhooks: an
 * escalation step to it sends nothing of its own (hub/alerts/escalation.ts enqueues the group's webhooks; MQTT and the
 * dashboard have had the alert since it was raised), so the night desk the installer wrote as the second step was told
 * by nobody (review, session 73). A configuration with no webhook at all is left alone: its responders watch the
 * Alerts page or read MQTT, where the alert names the groups told (`notifiedGroups`).
 */
export function groupWithoutWebhookAdvice(config: HubConfig): string[] {
  if (!config.responders.some((r) => r.webhook !== undefined)) return [];
  const ladders = config.escalation;
  const followed = new Set(['default', ...config.homes.flatMap((home) => home.escalation ?? [])]);
  // A home whose ladder name has no plain ladder falls back, for some severity at least, to every group in order.
  const everyGroup = config.homes.some((home) => ladders[home.escalation ?? 'default'] === undefined);
  const called = new Set(everyGroup ? config.responders.map((r) => r.group) : []);
  for (const [key, steps] of Object.entries(ladders)) {
    const colon = key.lastIndexOf(':');
    if (followed.has(colon < 0 ? key : key.slice(0, colon))) for (const step of steps) called.add(step.group);
  }
  const advice: string[] = [];
  for (const group of called) {
    const members = config.responders.filter((r) => r.group === group);
    if (members.length === 0 || members.some((r) => r.webhook !== undefined)) continue;
    advice.push(
      `responders: group ${group} (${members.map((r) => r.id).join(', ')}) has no webhook, so an escalation to it ` +
        'sends nothing of its own: the alert only names the group (notifiedGroups) on MQTT and the Alerts page, where ' +
        'it has been since it was raised. Give a responder of the group a webhook, or make sure the group watches ' +
        'the Alerts page or reads MQTT.',
    );
  }
  return advice;
}

/** Everything said about the responders and ladders: not refusals. */
export function responderAdvice(config: HubConfig): string[] {
  return [...webhookAddressAdvice(config), ...unusedLadderAdvice(config), ...groupWithoutWebhookAdvice(config)];
}
