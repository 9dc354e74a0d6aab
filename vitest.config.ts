import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { availableParallelism } from 'node:os';

/**
 * Files that take minutes on their own (the bench runs `telecare bench --quick`: about 160 s of the suite's 280 s on a
 * quiet 2-core machine). Started first, so that the other worker runs the rest meanwhile: on a fresh CI machine
 * vitest has no durations cached and would order by file size, which can leave the bench to start last.
 */
const LONGEST_FIRST = ['test/bench/'];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number =>
      LONGEST_FIRST.some((prefix) => file.moduleId.includes(`/${prefix}`)) ? 0 : 1;
    // Array.prototype.sort is stable: vitest's own order (failed first, then longest cached) holds within each rank.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * Files run at once: one more than the machine's cores (3 on the 2-core CI machine), at most 8, or
 * TELECARE_TEST_WORKERS. The files mostly wait for the processes they start (test/support/cpu-account.ts: with two
 * workers they kept about 1.3 of the 2 cores busy on a quiet machine), so a file more than the cores fills the idle
 * core time. docs/testing.md, session 37: 2 → 3 workers on 2 cores, alternating, 43 files (central, bridge, replay,
 * simulate, alerts): at load 1.5–3.6 184 → 175 s, at load 5–7 258 → 204 s, at load 10–16 483, 642 → 479, 433 s;
 * 7–12 % more CPU (more polling while files wait longer). Session 77: a machine with more cores used them (before,
 * 3 files at a time whatever the machine); 8 at most, because each file starts hubs, brokers and pages of its own.
 */
function testWorkers(): number {
  const raw = process.env.TELECARE_TEST_WORKERS;
  if (raw === undefined || raw === '') return Math.min(8, Math.max(3, availableParallelism() + 1));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    throw new Error(`TELECARE_TEST_WORKERS must be a whole number from 1 to 16, not "${raw}"`);
  }
  return n;
}

/**
 * Files that start no process, server, thread or timer of their own and patch nothing global (or undo it after each
 * test): pure rules against a fake clock, the alert service on an in-memory store, the analytics on recorded days.
 * They run in worker processes that are reused from file to file (`isolate: false`): each file of the rest gets a
 * fresh process, which costs a fork and every import again, about 0.5 s of CPU per file, more than most of these
 * files take to run (docs/testing.md, session 33: test/rules, 52 files, 37 -> 12 s of CPU). A file added here must
 * leave nothing behind that a later file in the same process could see.
 */
const SHARED_PROCESS = [
  'test/rules/**/*.test.ts',
  'test/alerts/{bad-acks,delivery-marks,delivery,ladder,lifecycle,query,severity-raise,raise-detail,stored-rows}.test.ts',
  'test/analytics/{baseline,features,kasteren,presence-agreement,report,routine-review,live}.test.ts',
  'test/simulate/{generator,incidents}.test.ts',
  'test/hub/{uplink-settings,topics,ingest,mqtt-frame-guard}.test.ts',
  // Session 35: two alert files on the same in-memory stage as their neighbours above, and pure checks of the
  // configuration, topic classes, the PUBACK queue and the bench's helpers (temp folders removed after each test).
  'test/hub/{topic-classes,puback-queue,config,config-validator}.test.ts',
  'test/bench/{alloc-account,hub-launch}.test.ts',
  // Session 36: the hub's store, its reads, retention, the ACK watermark, the rules runner on a fake clock and the
  // configuration's safety checks: SQLite files in temp folders removed after each test, no handle left open after
  // each file (process.getActiveResourcesInfo() before and after, in one reused process).
  'test/hub/{ack-watermark,event-reads,retention,rules-restart,rules-time,store,watched-from-start,config-safety}.test.ts',
  'test/dashboard/alert-why.test.ts',
  'test/bridge/codec.test.ts',
  // The wearable detector's files that read recordings or synthesise signals and run them through the pure detector
  // (session 34); not live (hub processes) nor replay (temp folders, a CLI).
  'test/fall/{detector,engine,transport,older-falls,wearable-cv,wearable-eval,wearable-figures,wearable-sensor,wearable-transport}.test.ts',
  // Session 52: hubs in-process (their embedded broker and dashboard on ephemeral ports of this process), the
  // embedded broker alone, the event store on SQLite in temp folders, the dashboard through `inject` or a local port,
  // each stopped, closed and its folder removed in the file's hooks; no child process but a synchronous one (openssl
  // for a test certificate, `telecare replay`), no stub, no listener on the process, no change to process.env, and
  // no count read across files (lazy-schemas and login-flood compare before and after within the test). In one
  // reused process, in shuffled orders: every file passed, and none left a descriptor, socket, server or timer behind
  // (process.getActiveResourcesInfo() and /proc/self/fd before and after each file; hub-inprocess and
  // store-completions closed a store's WAL descriptor only once fixed). Out: alert-path-cost (counts date formats
  // and ladder parses through hub/alerts/rows.ts's process-wide caches, which another file fills), rules-runner and
  // live-equals-replay (stores never closed, a crash simulated by leaving one open), the scryptRunCount() readers.
  'test/hub/{access-matrix,accel-corrupt-sample,alert-path-order,broker-awaiting,chatter,clock-correction,clock-step-watch,clock-steps,database-file-watch,first-start,fuzz,http-events,hub-inprocess,mqtt-pending,offline-queue,restart-grace,sensor-clock,uplink-queue}.test.ts',
  'test/hub/review-{s34-offline-queue-bound,s34-session-expiry,s35-never-heard,s35-offline-allowance,s35-offline-reload,s35-will-revoked,s36-activity-key-ids,s49-prealert-cleared,s49-unassigned-configured,s50-home-readded}.test.ts',
  'test/hub/{store-checkpoint,store-completions,store-fsync-fault,store-group-commit,store-wal-bound,wal-rewrite}.test.ts',
  'test/dashboard/{alert-stream,alerts,auth,behind-proxy,connection-cap,csrf,hardening,lazy-schemas,login-flood,password-upgrade,report-periods,roles,routes}.test.ts',
  'test/dashboard/review-{s34-health-analyst,s49-report-follow-up,s49-user-race}.test.ts',
  'test/alerts/{notified-groups,review-s34-ladder-reload,review-s50-repeat-after-ack,webhook-order}.test.ts',
  'test/analytics/review-s51-routine-change-flags.test.ts',
  'test/bench/smaps.test.ts',
  // The evaluations on recordings read from ../shared/data (skipped without it) and on simulated flats: pure.
  'test/eval-{evidence-floor,exit-doors,homes-data,homes-data-aras,homes-data-uci,quiet-spells,simulated}.test.ts',
  'test/fall/{replay,wearers-unseen}.test.ts',
  'test/replay/{casas,unconfigured-home,review-s50-features-file,review-s50-routine-change}.test.ts',
  // Session 61: the same kinds of file added since (in-process hubs, the embedded broker, stores and the analytics'
  // thread on SQLite in temp folders, a webhook receiver on a local port), read and checked as in session 52.
  'test/alerts/{webhook,review-s60b-new-episode,review-s60b-offline-devices,review-s60b-second-device}.test.ts',
  'test/analytics/review-{s49-report-reload,s59-cached-days,s59-no-data-days,s59-removed-home,s60-away-mode,s60-days-away,s60-sensor-offline-flag}.test.ts',
  'test/dashboard/review-s59-report-month-zone.test.ts',
  'test/hub/reload-no-grace.test.ts',
  'test/hub/review-{s34-mqtt-revoke,s35-away-reload,s49-prealert-removed-home,s57-late-call}.test.ts',
  'test/hub/review-{s58-client-id-squatting,s58-mqtt-ipv6-guessing,s58-refed-repeat,s58-rejection-log-flood,s58-resent-press,s58-responder-queue,s58-sessions-per-credential,s58-subscribe-log-flood}.test.ts',
  'test/hub/review-{s59-alert-queue-reserve,s59-back-from-away,s59-care-plan-reload,s59-http-unconfigurable-id,s59-id-with-space,s60-cold-room-named,s60-reloaded-silence,s60b-broker-log-flood}.test.ts',
  'test/hub/review-{s59-receiver-unplugged,s60-multi-home-bridge}.test.ts',
  // Session 61: files whose only child processes are synchronous (`spawnSync` of the telecare CLI or `telecare
  // replay`, gcc for the firmware's C and C++ into a temp folder removed after the file): the worker's fork and
  // imports spared, what each CLI run costs unchanged.
  'test/hub/{config-param-bounds,coverage,settings-safety}.test.ts',
  'test/hub/review-{s37-mqtt-username,s59-check-config-no-file,s59-config-messages,s59-room-spelling,s59-zigbee-topic-name}.test.ts',
  'test/replay/{cli,export,ingest-checks,review-s60b-private-output}.test.ts',
  'test/analytics/cli.test.ts',
  'test/eval-run-cli.test.ts',
  'test/bridge/{c-encoder,review-s60-firmware-repeats}.test.ts',
  // Session 62: in-process hubs on fake clocks and the analytics' thread, added since session 61, read and checked as
  // in session 52 (review-s61-offline-resolved holds SQLite's lock from a child: left in a process of its own).
  'test/hub/first-review-after.test.ts',
  'test/alerts/review-s61-offline-replaced.test.ts',
  'test/analytics/review-{s61-hub-off-evenings,s61-missed-review-days,s62-hub-off-clock-behind}.test.ts',
  'test/hub/review-s62-learned-through-downtime.test.ts',
  // Session 63: files added since session 62, read and checked as in session 52: an in-process hub on a fake clock,
  // one through its dashboard and API tokens (and a dashboard by `inject`), the fall rules on synthesised batches.
  'test/dashboard/review-s62-device-token.test.ts',
  'test/hub/review-s62-press-resent.test.ts',
  'test/fall/review-s62-resent-batches.test.ts',
  // Session 64: files added since session 63, read and checked as in session 52: dashboards by `inject` or on a local
  // port (one a slow stream client), in-process hubs through their dashboard and API tokens or MQTT, the rules on a
  // fake clock over SQLite in temp folders; each stopped, closed and its folder removed in the file's hooks. And
  // mqtt-parser-reads, left before: an in-process hub, its only other children synchronous (`spawnSync` of node).
  'test/dashboard/review-{s63-scope-case,s63-stream-ids,s63-token-name,s64-open-after-storm,s64-renamed-home}.test.ts',
  'test/hub/review-{s63-rebuilt-through-downtime,s64-bridge-status-flood,s64-zigbee-button-presses}.test.ts',
  'test/hub/mqtt-parser-reads.test.ts',
  // Session 64: the dashboard's browser files (an in-process dashboard or hub on a local port, pages in the run's
  // chromium through a connection each file closes in its hooks; no child process, stub or listener of their own).
  // Each paid a fork and every import again (playwright-core's client, the dashboard's and hub's graphs).
  'test/dashboard/{accessibility,browser,care-worker-screen,console-reconnect,console-screen,console-session,cross-site,dead-device-card,installer-screen,last-heard,small-screen,way-out-learned}.test.ts',
  'test/dashboard/people-at-the-screen{,-3,-4}.test.ts',
  'test/dashboard/review-{s50-climate-night-exit-why,s50-devices-after-reload,s50-home-view-unreachable,s50-reconnect-closed,s50-routine-change-why,s51-announce-flood,s51-routine-change-flags,s58-late-event}.test.ts',
  'test/dashboard/review-{s59-home-view-gaps,s59-name-case,s59-paste-lines,s60-council-words,s60-day-so-far,s60-routine-change-days-away,s60-routine-change-sensor-offline,s60b-pressed-again}.test.ts',
  'test/dashboard/review-{s61-home-view-hub-off,s61-home-view-local-date,s62-home-case,s62-home-view-empty-date,s62-home-view-unknown-home,s62-responder-homes}.test.ts',
  'test/dashboard/review-{s63-double-press,s63-scope-not-configured,s64-ack-note,s64-closed-while-resolving}.test.ts',
  // Session 65: the review's browser files, on the same stage (`dashboardInChromium`; one a cutting proxy on a local
  // port, closed in the file's hooks).
  'test/dashboard/review-{s65-card-names,s65-console-unreachable,s65-devices-unreachable,s65-long-list,s65-tab-title}.test.ts',
  'test/dashboard/review-{s65b-ages-in-place,s65b-chart-numbers-names,s65b-council-unreachable,s65b-home-view-unreachable,s65b-sound-remembered,s65b-tampered-device}.test.ts',
  'test/dashboard/review-{s65c-closed-in-place,s65c-council-record-ends,s65c-home-week}.test.ts',
  'test/dashboard/review-s65d-council-disclosure.test.ts',
  // Session 65, the suite's review: files added since session 64 or left then, read and checked as in session 52: a
  // dashboard on a clock object of its own (not the process's timers) and an in-process hub, each in the run's
  // chromium, and the council report's files (SQLite in a temp folder closed and removed in the file's hooks,
  // `telecare report` by `spawnSync`).
  'test/dashboard/review-s64-home-view-away.test.ts',
  'test/hub/review-s49-unassigned-cap.test.ts',
  'test/analytics/review-s64-{away-not-monitored,fall-counted-twice,hub-off-days,withdrawn-falls}.test.ts',
  // Session 67: files added since session 65, read and checked as in session 52: in-process hubs on fake clocks (their
  // embedded broker, MQTT clients, a webhook receiver on a local port), the wearable's hub through `WearableHub`, a
  // dashboard in the run's chromium, SQLite in temp folders; their other children synchronous (`spawnSync` of the
  // telecare CLI, `telecare replay`, `eval/run.js`). Left: the files that patch a prototype for a test
  // (review-s65-outbox-looks, review-s66-prealert-outbox, review-s66-press-path), spy, or start a hub process.
  'test/review-s65-eval-details.test.ts',
  'test/alerts/review-{s64-press-flood,s66-fall-silence,s66-press-ends-silence,s66-second-resident}.test.ts',
  'test/analytics/review-s65-report-on-copy.test.ts',
  'test/dashboard/review-s66-second-resident-console.test.ts',
  'test/fall/review-{s64-late-impact,s65-first-batches}.test.ts',
  'test/hub/review-{s65-check-config-slips,s65-first-start-ports,s65-hub-help-variables,s65-http-press-in-refused-body}.test.ts',
  'test/hub/review-{s66-future-stamped-press,s66-hub-clock-jump}.test.ts',
  // The centre's files that start no NATS or PostgreSQL: layout-ports' only child a synchronous `unshare` (session 61's
  // CLI files); review-s63-gateway-closes a refusing server on a local port, closed in its hooks (its 5 s race timer
  // now cleared after the race).
  'test/central/{layout-ports,review-s63-gateway-closes}.test.ts',
  // Session 68: files added in session 67, read and checked as in session 52: in-process hubs on fake clocks (their
  // embedded broker, MQTT clients, a webhook receiver on a local port), a dashboard's hub on this machine's address
  // (raw sockets destroyed in its hooks), the wearable evaluation on trials written to a temp folder, the centre's
  // layout lock in a temp folder (no NATS or PostgreSQL); their other children synchronous (`spawnSync` of the
  // telecare CLI, `eval/run.js`, a node that exits at once for a dead pid).
  'test/review-s67-eval-unseen.test.ts',
  'test/central/review-s67-layout-lock-break.test.ts',
  'test/dashboard/review-s67-{dashboard-slowloris,tamper-outlives-alert}.test.ts',
  'test/fall/review-s67-wearable-trials.test.ts',
  'test/hub/review-s67-{check-config,detail-times-corrected,port-flag-named,rebuilt-silence-repeat}.test.ts',
  // Session 69: the review's browser files, on the same stage (`dashboardInChromium`).
  'test/dashboard/review-s69-{card-stays,dark-room,forced-colours,text-size,urgent-sound,zoomed}.test.ts',
  // Session 74: files added in sessions 68 to 73, read and checked as in session 52: in-process hubs (their embedded
  // broker, dashboard and MQTT clients; one a cutting proxy), dashboards in the run's chromium, the council report's
  // files and the analytics' thread on SQLite in temp folders, the embedded broker alone, the pure evaluations and
  // detectors; their other children synchronous (`spawnSync` of the telecare CLI, `telecare replay` or `report`).
  // Left: files that start bridges, socat pairs, hub processes, NATS or PostgreSQL, hold SQLite's lock from a child
  // (alerts/review-s73-changed-since-kinds) or count the process's own libuv requests (hub/review-s69-ack-mark-one-request).
  'test/review-s68-rooms-{casas-eval,own-place}.test.ts',
  'test/review-s69-{ghost-night-trigger,mat-ends-doubt,outing-after-arrival,outing-after-arrival-eval,sparse-ghost-eval}.test.ts',
  'test/alerts/review-s73-resolve-changed-since.test.ts',
  'test/analytics/review-s70-council-kinds-total.test.ts',
  'test/analytics/review-s72-{linked-outcomes,outcomes-cli,part-counts,parts-cli,report-off-loop,urgent-kinds}.test.ts',
  'test/dashboard/review-{s70-nothing-moves,s72-council-month-runs}.test.ts',
  'test/dashboard/review-s73-{connect-help,council-opened,double-enter,login-lockout,near-names,out-of-date}.test.ts',
  'test/dashboard/review-s73-{resolve-pressed-again,route-matrix,unknown-fields}.test.ts',
  'test/fall/review-{s69-burst-after-gap,s70-fall-features,s72-dip-inside-peak-search}.test.ts',
  'test/hub/review-{s68-client-id-takeover,s68-config-shapes,s68-gaps-receiver-unplugged,s68-time-zone-spaces}.test.ts',
  'test/hub/review-{s70-burst,s73-field-slips,s74-check-config-loads}.test.ts',
  // And seven files left before: the council report on SQLite, an in-process hub with a refused uplink, a pure rule of
  // the centre's, the embedded broker with spies on its own instance, and `spawnSync` of the CLI (`telecare hub` on a
  // data folder it cannot make, `telecare export`, `telecare bridge` refusing its files at its start).
  'test/analytics/review-s72-month-runs.test.ts',
  'test/bridge/review-s73-ca-file.test.ts',
  'test/central/review-s68-moved-homes-join.test.ts',
  'test/hub/{broker-direct-publish,review-s67-data-folder,review-s73-uplink-refused-queue}.test.ts',
  'test/replay/review-s68-export-foreign-file.test.ts',
];

/**
 * Files under SHARED_PROCESS's globs that must not share a process: `rules/local-time.ts` keeps each zone's offsets for
 * the process's life, so a zone another file made a clock for is never read again, and the zone tests ("without Intl",
 * "fall back to Intl") would pass whichever way the offsets were first read (review, session 33).
 */
const OWN_PROCESS_AMONG_SHARED = ['test/rules/tzif.test.ts'];

export default defineConfig({
  test: {
    // Generous for a loaded 2-core CI machine; a test that waits waits for its condition, never for a time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // New password hashes at N=1024, r=8, p=1 in this process and the hubs, consoles and CLIs it starts (inherited),
    // not at the hub's cost: each hash and each check of it about 1 ms, not 0.2 to 0.6 s of a core (docs/testing.md,
    // session 63). Honoured only with NODE_ENV=test (`hub/passwords.ts`). A file whose subject is the hub's cost
    // turns it off: `vi.stubEnv('TELECARE_TEST_LOW_HASH_COST', undefined)` before each test.
    env: { TELECARE_TEST_LOW_HASH_COST: '1' },
    // Integration tests start real brokers, hubs and serial pairs; two cores on CI, one file per core. Each file in a
    // process of its own (native SQLite, signals, patched globals in some tests), except SHARED_PROCESS.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: testWorkers(),
    sequence: { sequencer: LongestFirstSequencer },
    // What a file started and never stopped (a set-up whose hook timed out) ends with the file's worker.
    setupFiles: ['test/support/children-end-with-worker.ts', 'test/support/cpu-account.ts'],
    projects: [
      // The centre's browser files are here (NATS, PostgreSQL: processes of their own), with this project's
      // chromium, started by the first of them (docs/testing.md, session 36); a run without browser files starts
      // none. The dashboard's are in `shared-process` since session 64, with a chromium of that project's.
      {
        extends: true,
        test: {
          name: 'own-process',
          include: ['test/**/*.test.ts'],
          exclude: SHARED_PROCESS,
          globalSetup: ['test/support/chromium-global.ts'],
        },
      },
      { extends: true, test: { name: 'own-process-apart', include: OWN_PROCESS_AMONG_SHARED } },
      // Stubs undone after each test, whatever the file does: the next file in the process must not see them.
      {
        extends: true,
        test: {
          name: 'shared-process',
          include: SHARED_PROCESS,
          exclude: OWN_PROCESS_AMONG_SHARED,
          // The dashboard's browser files are here since session 64: this project's chromium, started by the first
          // of them (a run with browser files in both projects starts two).
          globalSetup: ['test/support/chromium-global.ts'],
          isolate: false,
          unstubGlobals: true,
          unstubEnvs: true,
        },
      },
    ],
  },
});
