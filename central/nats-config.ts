// The NATS cluster of the centre (SPEC 10): each node's configuration file (JetStream, routes, the MQTT gateway with
// replicated MQTT state) and its users: one per hub, allowed only its own subjects, and the centre's own user.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';

/** Subject prefix of what hubs send up (MQTT topic `telecare-up/<hubId>/...`). */
export const UP_PREFIX = 'telecare-up';
/** Subject prefix of what the centre sends down (MQTT topic `telecare-down/<hubId>/...`). */
export const DOWN_PREFIX = 'telecare-down';
/** The NATS cluster's name (every node's `cluster.name`). */
export const CLUSTER_NAME = 'telecare-central';
/** bcrypt cost of hub passwords: each MQTT connect checks one hash. */
export const DEFAULT_BCRYPT_COST = 11;

/** One hub's credential, as stored: never its password. */
export interface HubUser {
  hubId: string;
  /** bcrypt hash of the hub's password. */
  passwordHash: string;
}

export interface NodePorts {
  /** NATS clients (the centre's workers and console). */
  client: number;
  /** Routes between the nodes. */
  cluster: number;
  /** The MQTT gateway the hubs connect to. */
  mqtt: number;
  /** Monitoring (`/healthz`, `/jsz`). */
  monitor: number;
}

export interface ClusterLayout {
  /** Folder with one sub-folder per node (config, JetStream store). */
  dir: string;
  /** Address every listener binds to. */
  host: string;
  /** One entry per node, `n1`, `n2`, ... in order. */
  nodes: NodePorts[];
  /** The centre's user (workers, console, `central hub add`): a bcrypt hash of its password. */
  centreUser: string;
  centrePasswordHash: string;
  /** The password of the routes between nodes (they authenticate each other). */
  routePassword: string;
  hubs: readonly HubUser[];
  /**
   * Hubs under quarantine (over their byte budget, `central/quarantine.ts`): their users are left out of the nodes'
   * configuration, so their connections are closed at the reload and they cannot connect until it is lifted.
   */
  quarantined?: readonly string[];
  /**
   * Hubs retired for good (`telecare central hub remove`, session 61): their users are gone from `hubs`, and
   * `hub add` refuses their ids (the centre drops whatever comes under a retired id).
   */
  retired?: readonly { hubId: string; at: string; by: string }[];
  /** Replicas of the MQTT gateway's own streams (sessions, retained messages, QoS 1 in flight). */
  mqttReplicas: number;
  /**
   * The gateway's certificate and key (PEM files): hubs then connect with `mqtts://` and their alerts never cross the
   * network in clear (a hub refuses `mqtt://` to another machine). Without it the gateway speaks plain MQTT.
   */
  mqttTls?: { certFile: string; keyFile: string };
}

/** A hub id: one MQTT topic level that is also one NATS subject token (SPEC 10, docs/uplink.md). */
export const HUB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function assertHubId(hubId: string): void {
  if (!HUB_ID_PATTERN.test(hubId)) {
    throw new Error(`hub id ${JSON.stringify(hubId)}: use 1-64 letters, digits, '-' or '_'`);
  }
}

/** A random password for a hub or the centre (printed once, never stored). */
export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

export function hashPassword(password: string, cost = DEFAULT_BCRYPT_COST): string {
  return bcrypt.hashSync(password, cost);
}

export function nodeName(index: number): string {
  return `n${String(index + 1)}`;
}

/** A NATS config string literal (JSON's escaping is a subset NATS's parser reads). */
const q = (value: string): string => JSON.stringify(value);

/**
 * What a hub may do: connect over MQTT only, publish only under its own `telecare-up.<hubId>.>`, subscribe only to
 * its own `telecare-down.<hubId>.>` (and `telecare-down.<hubId>`: the MQTT filter `telecare-down/<hubId>/#` covers
 * the parent level too). `$MQTT.sub.>` is where the gateway delivers a QoS 1 subscription's messages
 * (from a JetStream consumer the server creates after checking the topic against the line before); an MQTT client
 * cannot name a `$MQTT` topic itself, so the grant reaches nothing else.
 */
function hubUserBlock(hub: HubUser): string {
  return `    { user: ${q(hub.hubId)}, password: ${q(hub.passwordHash)}, allowed_connection_types: ["MQTT"], permissions: {
        publish: { allow: [${q(`${UP_PREFIX}.${hub.hubId}.>`)}] }
        subscribe: { allow: [${q(`${DOWN_PREFIX}.${hub.hubId}`)}, ${q(`${DOWN_PREFIX}.${hub.hubId}.>`)}, "$MQTT.sub.>"] }
      } }`;
}

/** The centre's user: reads what hubs send, writes commands down, uses JetStream's API and request replies. */
function centreUserBlock(layout: ClusterLayout): string {
  return `    { user: ${q(layout.centreUser)}, password: ${q(layout.centrePasswordHash)}, permissions: {
        publish: { allow: [${q(`${DOWN_PREFIX}.>`)}, "$JS.API.>", "$JS.ACK.>", "_INBOX.>"] }
        subscribe: { allow: [${q(`${UP_PREFIX}.>`)}, "_INBOX.>"] }
      } }`;
}

/** The hubs that may connect: every hub but those under quarantine. */
function activeHubs(layout: ClusterLayout): readonly HubUser[] {
  const out = new Set(layout.quarantined ?? []);
  return out.size === 0 ? layout.hubs : layout.hubs.filter((hub) => !out.has(hub.hubId));
}

/** The text of node `index`'s configuration file. */
export function nodeConfig(layout: ClusterLayout, index: number): string {
  const me = layout.nodes[index];
  if (!me) throw new Error(`no node ${String(index)}`);
  const name = nodeName(index);
  const routes = layout.nodes
    .filter((_, i) => i !== index)
    .map((n) =>
      q(`nats-route://route:${encodeURIComponent(layout.routePassword)}@${layout.host}:${String(n.cluster)}`),
    );
  // nats-server takes TLS 1.2 and newer only.
  const tls = layout.mqttTls;
  const mqttTls = tls ? `\n  tls { cert_file: ${q(tls.certFile)}, key_file: ${q(tls.keyFile)} }` : '';
  return `# ${name} of the telecare centre's NATS cluster: written by telecare central, edits are overwritten.
server_name: ${q(name)}
pid_file: ${q(path.join(layout.dir, name, 'nats.pid'))}
listen: ${q(`${layout.host}:${String(me.client)}`)}
http: ${q(`${layout.host}:${String(me.monitor)}`)}
max_payload: 1MB
jetstream {
  store_dir: ${q(path.join(layout.dir, name, 'jetstream'))}
  max_memory_store: 256MB
  max_file_store: 8GB
}
cluster {
  name: ${q(CLUSTER_NAME)}
  listen: ${q(`${layout.host}:${String(me.cluster)}`)}
  authorization { user: "route", password: ${q(layout.routePassword)} }
  routes: [${routes.join(', ')}]
}
mqtt {
  listen: ${q(`${layout.host}:${String(me.mqtt)}`)}
  stream_replicas: ${String(layout.mqttReplicas)}${mqttTls}
}
authorization {
  users: [
${[centreUserBlock(layout), ...activeHubs(layout).map(hubUserBlock)].join('\n')}
  ]
}
`;
}

/** Path of node `index`'s configuration file. */
export function nodeConfigPath(layout: ClusterLayout, index: number): string {
  return path.join(layout.dir, nodeName(index), 'nats.conf');
}

/** Path of node `index`'s pid file (for reloads by `telecare central hub add`). */
export function nodePidPath(layout: ClusterLayout, index: number): string {
  return path.join(layout.dir, nodeName(index), 'nats.pid');
}

/** Writes every node's configuration (mode 0600: it holds the route password and the hashes). */
export function writeClusterConfig(layout: ClusterLayout): string[] {
  return layout.nodes.map((_, index) => {
    const file = nodeConfigPath(layout, index);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Several workers may write it at once (a quarantine): each through its own temporary file.
    const tmp = `${file}.${String(process.pid)}.tmp`;
    fs.writeFileSync(tmp, nodeConfig(layout, index), { mode: 0o600 });
    fs.renameSync(tmp, file);
    return file;
  });
}
