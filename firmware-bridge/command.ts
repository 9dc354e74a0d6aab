// `telecare bridge`: bridge a serial radio receiver to the hub MQTT broker (SPEC 4.3, PROTOCOL.md).
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { passwordFileAdvice, readPasswordFile } from '../bin/secret-file.js';
import { pemCertificates, readOrCause } from '../hub/pem-files.js';
import { systemClock } from '../hub/clock.js';
import { createLogger } from '../hub/logger.js';
import { onStopSignals } from '../hub/stop-signals.js';
import { brokerUrl, localBrokerUrl } from '../hub/env-values.js';
import { DEFAULT_REOPEN_BACKOFF } from './backoff.js';
import { FirmwareBridge, statusTopic } from './bridge.js';
import { SpoolInUseError } from './event-spool.js';
import { redactedUrl } from './mqtt-outbox.js';
import type { Framing } from './bridge-stats.js';
import { TOPIC_LEVEL_PATTERN } from './native-event.js';

interface BridgeCliOptions {
  port: string;
  baud: number;
  framing: Framing;
  mqtt?: string;
  home?: string;
  name?: string;
  username?: string;
  passwordFile?: string;
  ca?: string;
  statusIntervalMs: number;
  maxQueued: number;
  spool?: string;
  retryMinMs: number;
  retryMaxMs: number;
  mqttReconnectMs: number;
  logLevel?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function topicLevel(value: string): string {
  if (!TOPIC_LEVEL_PATTERN.test(value)) throw new InvalidArgumentError('use 1-64 of A-Z a-z 0-9 . _ : @ -');
  return value;
}

/** The CA file of `--ca`; a missing or unreadable one, or one with no certificate, stops the start naming it. */
function readCaFile(file: string): Buffer {
  const got = readOrCause(file, 'the bridge');
  if ('cause' in got) throw new Error(`--ca ${file}: ${got.cause}`);
  if (pemCertificates(got.bytes).length === 0)
    throw new Error(
      `--ca ${file}: no PEM certificate in it (-----BEGIN CERTIFICATE-----; a key or a DER file is not the CA)`,
    );
  return got.bytes;
}

/** Default bridge name from the port: /dev/ttyUSB0 → serial-ttyUSB0. */
function defaultName(portPath: string): string {
  return `serial-${path.basename(portPath).replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 64);
}

export function registerBridgeCommand(program: Command): void {
  program
    .command('bridge')
    .description('bridge a serial radio receiver to the hub MQTT broker (SPEC 4.3)')
    .addHelpText(
      'after',
      `
Each frame becomes a native event on telecare/<home>/devices/<device>/events (QoS 1).
Statistics (frames ok, duplicates, gaps, bad frames by reason, port state) are published
retained on telecare/bridge/<name>/status, with an MQTT last will saying offline.
A missing or unplugged port is opened as soon as its name appears (and retried with capped
exponential backoff); a USB receiver plugged back under another name (ttyUSB1 for ttyUSB0)
is found by its /dev/serial/by-id link, which --port may also name. While the broker is
away, events are buffered (bounded) and sent on reconnect; every event the broker has not
acknowledged (buffered, or sent and in flight) is kept in the --spool file too, and a bridge
stopped or killed before then (a restart, an upgrade, a crash, SIGKILL) sends it first at
its next start. Routine events are written to the file unflushed: a power cut (not a kill)
may still lose the last of them; pendant presses, falls and alarms are flushed to disk, and
go ahead of the routine events waiting.
Bad frames are counted by reason and dropped: the bridge never exits on a device fault.
SIGINT/SIGTERM stop it gracefully, after reading what the receiver had sent. The binary
framing is documented in firmware-bridge/PROTOCOL.md.

Examples:
  telecare bridge --port /dev/ttyUSB0 --framing cobs --home h1 --name rx-hall
  telecare bridge --port /dev/ttyACM0 --framing ndjson --mqtt mqtt://127.0.0.1:1883`,
    )
    .requiredOption('--port <path>', 'serial device of the receiver, e.g. /dev/ttyUSB0')
    .option('--baud <rate>', 'baud rate', positiveInt, 115200)
    .addOption(
      new Option(
        '--framing <framing>',
        'ndjson: one JSON event per line with "device" (and "home"); cobs: COBS binary frames ended by 0x00',
      )
        .choices(['ndjson', 'cobs'])
        .default('ndjson'),
    )
    .option(
      '--mqtt <url>',
      'MQTT broker URL: mqtt://, mqtts:// (TLS; also tcp://, tls://, ssl://, ws://, wss://) (default: the hub on this machine, port HUB_MQTT_PORT or 1883)',
    )
    .option(
      '--home <id>',
      'home id of the events (required with cobs; for ndjson lines that carry no "home")',
      topicLevel,
    )
    .option(
      '--name <name>',
      "bridge name: status topic, and device id of the receiver's own heartbeats (default serial-<port name>)",
      topicLevel,
    )
    .option('--username <user>', 'MQTT username')
    .option('--password-file <file>', 'file holding the MQTT password (kept off the command line)')
    .option(
      '--ca <file>',
      "PEM file of the CA of a TLS broker (the hub's own self-signed mqtt.crt, docs/security.md) when the system does not trust it",
    )
    .option('--status-interval-ms <ms>', 'republish the status this often', positiveInt, 30_000)
    .option(
      '--max-queued <n>',
      'events kept while the broker is away; past it the oldest routine ones are dropped and counted (pendant presses, falls and alarms last)',
      positiveInt,
      10_000,
    )
    .option(
      '--spool <file>',
      'file keeping the events the broker has not acknowledged (held while it is away, or in flight), for the next start (default: bridge-<name>.spool in HUB_DATA_DIR, else ./data); one bridge per spool: a second is refused (exit code 6)',
    )
    .option(
      '--retry-min-ms <ms>',
      'first wait before reopening a missing port',
      positiveInt,
      DEFAULT_REOPEN_BACKOFF.initialMs,
    )
    .option(
      '--retry-max-ms <ms>',
      'longest wait between reopen attempts (doubling up to it)',
      positiveInt,
      DEFAULT_REOPEN_BACKOFF.maxMs,
    )
    .option('--mqtt-reconnect-ms <ms>', 'wait between broker reconnect attempts', positiveInt, 1_000)
    .option('--log-level <level>', 'pino log level (default: HUB_LOG_LEVEL or info)')
    .action((opts: BridgeCliOptions) => {
      // The hub's and the simulator's check (review, session 68): the bridge kept a shorter list of its own that
      // refused tls:// and ssl://, and echoed the URL, password and all, in its message.
      brokerUrl(opts.mqtt, '--mqtt');
      // A CA with a URL in clear would leave the installer believing the link encrypted.
      if (opts.ca !== undefined && !/^(mqtts|tls|ssl|wss):/i.test(opts.mqtt ?? ''))
        throw new Error('--ca is for a broker with TLS: give --mqtt an mqtts:// (or tls://, ssl://, wss://) URL');
      const rootLogger = createLogger({ level: opts.logLevel });
      const logger = rootLogger.child({ ns: 'bridge' });
      const password = opts.passwordFile ? readPasswordFile(opts.passwordFile) : undefined;
      const fileAdvice = opts.passwordFile ? passwordFileAdvice(opts.passwordFile, 'the bridge') : undefined;
      if (fileAdvice) logger.warn(fileAdvice);
      const ca = opts.ca === undefined ? undefined : readCaFile(opts.ca);
      const name = opts.name ?? defaultName(opts.port);
      const mqttUrl = opts.mqtt ?? localBrokerUrl();
      const bridge = new FirmwareBridge({
        portPath: opts.port,
        baudRate: opts.baud,
        framing: opts.framing,
        mqttUrl,
        homeId: opts.home,
        name,
        username: opts.username,
        password,
        ca,
        statusIntervalMs: opts.statusIntervalMs,
        maxQueued: opts.maxQueued,
        spoolPath: path.resolve(opts.spool ?? path.join(process.env.HUB_DATA_DIR || 'data', `bridge-${name}.spool`)),
        reopenBackoff: { initialMs: opts.retryMinMs, maxMs: Math.max(opts.retryMinMs, opts.retryMaxMs) },
        mqttReconnectMs: opts.mqttReconnectMs,
        clock: systemClock,
        logger: rootLogger,
      });
      logger.info(
        { port: opts.port, framing: opts.framing, mqtt: redactedUrl(mqttUrl), status: statusTopic(name) },
        'bridge starting',
      );
      try {
        bridge.start();
      } catch (err) {
        if (!(err instanceof SpoolInUseError)) throw err;
        logger.fatal({ exitCode: err.exitCode }, err.message);
        process.stderr.write(`telecare bridge: ${err.message}\n`);
        process.exitCode = err.exitCode;
        return;
      }
      onStopSignals((signal) => {
        logger.info({ signal }, 'stopping bridge');
        bridge.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'error while stopping bridge');
            process.exit(1);
          },
        );
      });
    });
}
