// `telecare hub`: run the hub (embedded MQTT broker, rules, alerts, dashboard); options mirror the HUB_* variables.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { hashPassword } from './passwords.js';
import { ConfigError, loadHubConfig } from './config.js';
import { configAdvice } from './coverage.js';
import { alertReach, configHoldsSecrets, readTlsPairs, resolveSettings, runHubProcess } from './main.js';
import { PemFileError } from './pem-files.js';
import { looseFileAdvice } from './private-files.js';
import { readUplinkCa, uplinkUserAdvice } from './uplink-settings.js';

interface HubCliOptions {
  config?: string;
  dataDir?: string;
  mqttPort?: string;
  httpPort?: string;
  mqttUrl?: string;
  host?: string;
  checkConfig?: boolean;
  hashPassword?: boolean;
}

export function registerHubCommand(program: Command): void {
  program
    .command('hub')
    .description('run the hub: embedded MQTT broker, sensor ingest, rules, alerts, dashboard and API')
    .option(
      '-c, --config <file>',
      'configuration file (env HUB_CONFIG; default ./telecare.config.json, absent = no homes)',
    )
    .option('-d, --data-dir <dir>', 'data folder holding hub.db (env HUB_DATA_DIR; default ./data)')
    .option('--mqtt-port <port>', 'embedded MQTT broker port, 0 = any free port (env HUB_MQTT_PORT; default 1883)')
    .option('--http-port <port>', 'dashboard and API port, 0 = any free port (env HUB_HTTP_PORT; default 8080)')
    .option(
      '--mqtt-url <url>',
      'use this existing broker instead of the embedded one, e.g. mqtt://127.0.0.1:1884 (env HUB_MQTT_URL)',
    )
    .option('--host <address>', 'interface to listen on (env HUB_HOST; default all)')
    .option('--check-config', 'validate the configuration file and exit')
    .option('--hash-password', 'read a password on stdin, print its scrypt hash for mqttUsers[].passwordHash, and exit')
    .addHelpText(
      'after',
      '\nEnvironment: HUB_MQTT_PORT, HUB_HTTP_PORT, HUB_DATA_DIR, HUB_CONFIG, HUB_MQTT_URL, HUB_ADMIN_PASSWORD, HUB_LOG_LEVEL,\n' +
        'HUB_LOG_FORMAT (json, or pretty: readable lines; default pretty on a terminal, json elsewhere),\n' +
        'HUB_HTTPS_CERT and HUB_HTTPS_KEY (PEM files: serve the dashboard over HTTPS), HUB_TRUSTED_ORIGINS, HUB_SECURE_COOKIES, HUB_TRUST_PROXY,\n' +
        'HUB_MQTT_TLS_CERT and HUB_MQTT_TLS_KEY (PEM files: MQTT over TLS too, on HUB_MQTT_TLS_PORT, default 8883),\n' +
        "HUB_RETENTION_DAYS (raw events kept, default 400), HUB_CHATTER_MAX_PER_MINUTE (a chattering sensor's repeats, default 120).\n" +
        'Alarm receiving centre uplink (docs/uplink.md): HUB_UPLINK_URL, HUB_ID, HUB_UPLINK_USER, HUB_UPLINK_PASSWORD, HUB_UPLINK_CA, HUB_COUNCIL_KEY, HUB_UPLINK_ALLOW_PLAINTEXT.\n' +
        'A first start prints the generated MQTT installer credential and dashboard admin password on stderr (never in the log)\n' +
        'once the hub serves; until someone logs in with one of them, each start replaces it and prints the new one.',
    )
    .action(async (options: HubCliOptions) => {
      if (options.hashPassword) {
        // From stdin, not an argument: arguments end up in shell history and `ps`.
        const password = (await readStdin()).split(/\r?\n/)[0] ?? '';
        if (password === '') throw new Error('no password on stdin');
        process.stdout.write(`${await hashPassword(password)}\n`);
        return;
      }
      const settings = resolveSettings(options);
      if (options.checkConfig) {
        // No file where the hub looks (another folder, a file saved under another name): the hub starts with no
        // homes, which is no verdict on the file the installer has just written (review, session 59).
        if (!settings.configRequired && !existsSync(settings.config)) {
          process.stdout.write(
            `${settings.config}: no such file. The hub starts with no homes (devices it hears are kept as not ` +
              'configured). Write the configuration there, or name its file with --config or HUB_CONFIG.\n',
          );
          return;
        }
        try {
          const config = loadHubConfig(settings.config, { required: settings.configRequired });
          // The TLS files the start reads, checked as the start checks them: one it cannot use stops the check as it
          // stops the start (review, session 74: --check-config said "valid" with HUB_HTTPS_KEY naming the
          // certificate's file, a missing file, a pair that did not match, and the start then refused).
          const tlsPairs = readTlsPairs(settings);
          const ca = settings.uplink?.caFile === undefined ? undefined : readUplinkCa(settings.uplink.caFile);
          process.stdout.write(
            `${settings.config}: valid (${config.homes.length} ${config.homes.length === 1 ? 'home' : 'homes'})\n`,
          );
          // The start and a reload say it too; said here, before the file holding webhook secrets is put in use
          // (review, session 73: --check-config said nothing of a 0644 file the reload then warned about).
          const fileAdvice = looseFileAdvice(settings.config, 'configuration file', configHoldsSecrets(config));
          for (const line of [
            ...configAdvice(config, alertReach(settings)),
            ...(fileAdvice === undefined ? [] : [fileAdvice]),
            // What the start warns of and starts anyway: a certificate's dates, an uplink CA it cannot use.
            ...[tlsPairs.mqttTls?.dateWarning, tlsPairs.https?.dateWarning].filter((w) => w !== undefined),
            ...(ca !== undefined && 'refused' in ca ? [ca.refused] : []),
            // The uplink's settings the start takes and warns of: in clear to another machine (refused), a user
            // that is not the hub's id (review, session 76: only the start's log said them).
            ...[settings.uplink?.refused, settings.uplink && uplinkUserAdvice(settings.uplink)].filter(
              (w) => w !== undefined,
            ),
          ])
            process.stdout.write(`advice: ${line}\n`);
        } catch (err) {
          if (!(err instanceof ConfigError) && !(err instanceof PemFileError)) throw err;
          process.stderr.write(`telecare hub: ${err.message}\n`);
          process.exitCode = 1;
        }
        return;
      }
      await runHubProcess(settings);
    });
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}
