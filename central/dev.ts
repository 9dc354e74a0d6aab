// `npm run central:dev`: a local centre for development: 3 NATS nodes and PostgreSQL from the Debian packages on free
// ports in a folder of its own (default .central-dev/), then `telecare central`; prints what a hub needs. Ctrl-C
// stops everything it started.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addHub } from './command.js';
import { createLayout, freePort, loadLayout, layoutPath, startCluster, type NatsCluster } from './nats-cluster.js';
import { startLocalPostgres, type LocalPostgres } from './postgres.js';
import { onStopSignals } from '../hub/stop-signals.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'bin', 'telecare.js');

interface DevState {
  centrePassword: string;
  postgresPort: number;
  devHub?: { hubId: string; password: string };
}

function parseArgs(argv: readonly string[]): { dir: string; workers: string } {
  let dir = '.central-dev';
  let workers = '2';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--dir' && value !== undefined) {
      dir = value;
      i++;
    } else if (arg === '--workers' && value !== undefined) {
      workers = value;
      i++;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('npm run central:dev -- [--dir .central-dev] [--workers 2]\n');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${String(arg)} (try --help)`);
    }
  }
  return { dir: path.resolve(dir), workers };
}

async function main(): Promise<void> {
  const { dir, workers } = parseArgs(process.argv.slice(2));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Secrets of this development centre only (mode 0600, git-ignored): never the way to keep a real centre's.
  const stateFile = path.join(dir, 'dev-state.json');
  const natsDir = path.join(dir, 'nats');
  let state: DevState;
  if (fs.existsSync(stateFile) && fs.existsSync(layoutPath(natsDir))) {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as DevState;
  } else {
    const { centrePassword } = await createLayout({ dir: natsDir });
    state = { centrePassword, postgresPort: await freePort() };
  }
  if (!state.devHub) {
    const added = await addHub(natsDir, 'dev-hub', true);
    state.devHub = { hubId: added.hubId, password: added.password };
  }
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });

  let postgres: LocalPostgres | undefined;
  let cluster: NatsCluster | undefined;
  const stopAll = async (): Promise<void> => {
    await cluster?.stop();
    await postgres?.stop();
  };
  try {
    postgres = await startLocalPostgres({ dir: path.join(dir, 'pg'), port: state.postgresPort });
    cluster = await startCluster(loadLayout(natsDir));
  } catch (err) {
    await stopAll();
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\n(ports taken since last time? delete ${dir} to start afresh)`,
      { cause: err },
    );
  }
  const central = spawn(
    process.execPath,
    [
      CLI,
      'central',
      '--nats',
      cluster.natsUrls.join(','),
      '--mqtt',
      cluster.mqttUrls.join(','),
      '--database',
      postgres.url,
      '--workers',
      workers,
      // The nodes run here: a quarantined hub's user is left out of their configuration (docs/central.md).
      '--cluster-dir',
      natsDir,
    ],
    { stdio: 'inherit', env: { ...process.env, CENTRAL_NATS_PASSWORD: state.centrePassword } },
  );
  const hub = state.devHub;
  process.stdout.write(
    `\nCentre running in ${dir}\n` +
      `  NATS:       ${cluster.natsUrls.join(',')}\n` +
      `  gateways:   ${cluster.mqttUrls.join(',')}\n` +
      `  PostgreSQL: ${postgres.url}\n` +
      `A hub connects with:\n` +
      `  HUB_UPLINK_URL=${cluster.mqttUrls[0] ?? ''} HUB_ID=${hub.hubId} HUB_UPLINK_USER=${hub.hubId} HUB_UPLINK_PASSWORD=${hub.password}\n` +
      `More hubs: node dist/bin/telecare.js central hub add <hubId> --cluster-dir ${natsDir}\n` +
      `Ctrl-C stops everything.\n\n`,
  );
  const centralExited = new Promise<number | null>((resolve) => central.once('exit', (code) => resolve(code)));
  // `npm run central:dev`'s Ctrl-C is two SIGINTs (the terminal's and npm's): a second one must not end this process
  // before it has stopped the cluster and PostgreSQL it started.
  const signalled = new Promise<void>((resolve) => onStopSignals(() => resolve()));
  const code = await Promise.race([centralExited, signalled.then(() => undefined)]);
  if (code === undefined) {
    if (central.exitCode === null) central.kill('SIGTERM');
    await centralExited;
  }
  await stopAll();
  process.exitCode = typeof code === 'number' && code !== 0 ? code : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`central:dev: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
