// Makes mqtt-packet's `debug(...)` calls free when their output is off: imported before aedes and mqtt-packet load.
//
// mqtt-packet (aedes's parser and writer) calls `debug(format, ...)` about twenty times per PUBLISH it parses and
// per PUBACK it writes. `debug`'s logger takes rest arguments, so every call allocates an array before it looks
// whether its namespace is on: a tenth of all the bytes the hub allocates per stored event under ingest load, and
// each megabyte of them is a young-generation collection. No release of mqtt-packet or debug avoids it (mqtt-packet
// 9.0.2 and debug 4.4.3 are the latest), and patching node_modules is not an option. So the `debug` module that
// mqtt-packet will require is wrapped (Node's documented `require.cache`): for a namespace of mqtt-packet that is
// off when it is created, the logger is a plain function of fixed parameters (no allocation per call) that checks
// whether debugging was turned on since and then forwards to the real logger. `DEBUG=mqtt-packet:*` at start gets
// the real logger itself, so its output is exactly the library's. Every other namespace is untouched.
import { mqttPacketRequire } from './mqtt-packet-require.js';

interface DebugLogger {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
}

interface CreateDebug {
  (namespace: string): DebugLogger;
  enabled(namespace: string): boolean;
  /** The namespaces last given to `enable` (from DEBUG at start); a new value after each `enable`/`disable`. */
  namespaces: unknown;
}

const QUIETED_PREFIX = 'mqtt-packet:';
const quieted: string[] = [];
let installed: 'wrapped' | 'too-late' | 'not-found' = 'not-found';

/** A stand-in for a logger that was off when made; forwards once its namespace is turned on (`debug.enable`). */
function quietLogger(createDebug: CreateDebug, real: DebugLogger): DebugLogger {
  const NEVER_SEEN = Symbol('never seen');
  // The `namespaces` value for which `real` was last found off: while it is still the same, nothing to check.
  let offFor: unknown = NEVER_SEEN;
  // Fixed parameters, not rest ones: a call with fewer arguments allocates nothing. mqtt-packet passes at most four.
  const quiet = function (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown): void {
    if (createDebug.namespaces === offFor) return;
    if (!real.enabled) {
      offFor = createDebug.namespaces;
      return;
    }
    const args = [a, b, c, d, e, f];
    while (args.length > 1 && args.at(-1) === undefined) args.pop();
    real(...args);
  } as DebugLogger;
  Object.defineProperty(quiet, 'enabled', {
    enumerable: true,
    get: () => real.enabled,
    set: (on: boolean) => {
      real.enabled = on;
      offFor = NEVER_SEEN;
    },
  });
  quiet.namespace = real.namespace;
  return quiet;
}

function install(): void {
  const found = mqttPacketRequire();
  if (found === undefined) return;
  const { require, mqttPacketPath, fromMqttPacket } = found;
  const path = fromMqttPacket.resolve('debug');
  // The ESM loader puts a CommonJS module in the cache before it runs it (to read its exports): `loaded` says run.
  if (require.cache[mqttPacketPath]?.loaded === true) {
    // mqtt-packet already holds its loggers: nothing to do now (a test checks the hub's import order).
    installed = 'too-late';
    return;
  }
  const createDebug = fromMqttPacket('debug') as CreateDebug;
  const cached = require.cache[path];
  if (cached === undefined) return;
  cached.exports = new Proxy(createDebug, {
    apply(target, thisArg, args: [string]) {
      const logger = Reflect.apply<unknown, [string], DebugLogger>(target, thisArg, args);
      const [namespace] = args;
      if (typeof namespace !== 'string' || !namespace.startsWith(QUIETED_PREFIX) || logger.enabled) return logger;
      quieted.push(namespace);
      return quietLogger(target, logger);
    },
  });
  installed = 'wrapped';
}

install();

/** For tests and the bench: whether the wrapper was in place before mqtt-packet loaded, and which loggers it made. */
export function mqttDebugState(): { installed: typeof installed; quieted: readonly string[] } {
  return { installed, quieted };
}
