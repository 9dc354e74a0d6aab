// What the configuration's responders and ladders cannot do as written, said to the installer with the layout advice
// (`configAdvice`, hub/coverage.ts): at --check-config, in the start log and in a reload's log.
import { isIP } from 'node:net';
import { isPublicAddress } from './alerts/webhook.js';
import { ladderFor } from './alerts/ladder.js';
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

/** What the hub is run with beyond the file, that decides who hears of an alert (`resolveSettings`, hub/main.ts). */
export interface AlertReach {
  /** `HUB_UPLINK_URL` is set: alerts go to the alarm receiving centre too. */
  uplink?: boolean;
  /** `HUB_MQTT_URL` is set: the broker is another's, whose subscribers the hub cannot know. */
  externalBroker?: boolean;
}

const CALLED_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/**
 * A home whose alerts nobody is told of: no group its ladders call (for any severity but info, through `ladderFor`,
 * as an alert does) has a responder with a webhook, no MQTT `responder` credential covers it, and no alarm receiving
 * centre uplink is set, so a pendant press is seen only by someone who happens to look at the dashboard's Alerts page
 * or subscribes to MQTT with the installer's credential (review, session 73: nothing said so, at --check-config, the
 * start or a reload). Quiet with an uplink (the centre is told), with an external broker (its subscribers are not
 * the hub's to know), and for a configuration with no homes (the first start, which says so itself). The
 * dashboard's responder logins are in the database, not the file: a home they watch still gets the line, which says
 * what the Alerts page needs.
 */
export function unheardHomeAdvice(config: HubConfig, reach: AlertReach = {}): string[] {
  if (reach.uplink === true || reach.externalBroker === true) return [];
  const withWebhook = new Set(config.responders.filter((r) => r.webhook !== undefined).map((r) => r.group));
  const responderCredentials = config.mqttUsers.filter((user) => user.role === 'responder');
  const unheard: { id: string; groups: string[] }[] = [];
  const groupsByLadder = new Map<string, Set<string>>();
  for (const home of config.homes) {
    // A home with no devices raises nothing (coverage advice says so).
    if ((home.devices ?? []).length === 0) continue;
    // The same for every home that follows the same ladder: worked out once per ladder name (a scheme's thousand).
    const ladder = home.escalation ?? 'default';
    let groups = groupsByLadder.get(ladder);
    if (groups === undefined) {
      groups = new Set(
        CALLED_SEVERITIES.flatMap((severity) => ladderFor(config, home.id, severity)).map((l) => l.group),
      );
      groupsByLadder.set(ladder, groups);
    }
    if ([...groups].some((group) => withWebhook.has(group))) continue;
    const covered = responderCredentials.some(
      (user) => user.homes === undefined || user.homes.includes('*') || user.homes.includes(home.id),
    );
    if (!covered) unheard.push({ id: home.id, groups: [...groups] });
  }
  if (unheard.length === 0) return [];
  const line = (who: string, ids: string[], groups: string[]): string => {
    const called =
      config.responders.length === 0
        ? 'no responders are configured'
        : `no responder of the groups ${ids.length === 1 ? 'its ladder calls' : 'their ladders call'} (${groups.join(', ')}) has a webhook`;
    const add =
      config.responders.length === 0
        ? 'Add a responder with a webhook (responders[])'
        : 'Give a responder of those groups a webhook (responders[].webhook)';
    return (
      `${who}: ${ids.length === 1 ? 'its' : 'their'} alerts reach only the dashboard and MQTT subscribers: ${called}, ` +
      `no MQTT responder credential covers ${ids.length === 1 ? 'it' : 'them'} and no alarm receiving centre uplink ` +
      'is set, so a pendant press is seen only when someone looks at the Alerts page. ' +
      `${add}, add an mqttUsers entry with role responder for ${ids.length === 1 ? `home ${ids[0]}` : 'them'} (a ` +
      "responder's app), or set HUB_UPLINK_URL; or make sure a responder logged in to the dashboard watches the " +
      'Alerts page.'
    );
  };
  // A scheme of a thousand flats written without webhooks: one line, not a thousand.
  if (unheard.length > UNHEARD_HOMES_NAMED) {
    const ids = unheard.map((home) => home.id);
    const groups = [...new Set(unheard.flatMap((home) => home.groups))];
    const named = ids.slice(0, UNHEARD_HOMES_NAMED).join(', ');
    return [line(`homes ${named} and ${ids.length - UNHEARD_HOMES_NAMED} more`, ids, groups)];
  }
  return unheard.map((home) => line(`home ${home.id}`, [home.id], home.groups));
}

/** Past this many homes told of by `unheardHomeAdvice`, one line names the first ones and counts the rest. */
const UNHEARD_HOMES_NAMED = 5;

/** Everything said about the responders and ladders: not refusals. */
export function responderAdvice(config: HubConfig, reach: AlertReach = {}): string[] {
  return [
    ...webhookAddressAdvice(config),
    ...unusedLadderAdvice(config),
    ...groupWithoutWebhookAdvice(config),
    ...unheardHomeAdvice(config, reach),
  ];
}
