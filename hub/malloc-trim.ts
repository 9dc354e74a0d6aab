// Memory the C library keeps after free() given back to the kernel once the hub has started, then every minute
// (native/malloc-trim.c: glibc's malloc_trim on a libuv pool thread, never on the event loop).
import { builtNativeFile, loadAddonFunction } from './native-path.js';

/** The addon `npm run build` compiles (native/build-malloc-trim.mjs); absent without a C compiler or glibc. */
export function mallocTrimLibrary(callerUrl: string = import.meta.url): string {
  return builtNativeFile('telecare-malloc-trim.node', callerUrl);
}

/** malloc_trim(0) off the loop; `done` is told whether memory was given back. */
export type TrimFunction = (done: (err: Error | null, released: boolean) => void) => void;

/** The addon's trim, or why there is none (not built, not glibc, does not load). */
export function loadMallocTrim(library = mallocTrimLibrary()): TrimFunction | { unavailable: string } {
  return loadAddonFunction(library, 'trim', 'no C compiler, Node headers or glibc') as
    TrimFunction | { unavailable: string };
}

/** Drops the process's clean pages of read-only file mappings from its resident set, off the loop; `done` is told
 * the resident bytes those mappings held. */
export type FilePagesFunction = (done: (err: Error | null, bytes: number) => void) => void;

/** The addon's releaseFilePages, or why there is none. */
export function loadFilePagesRelease(library = mallocTrimLibrary()): FilePagesFunction | { unavailable: string } {
  return loadAddonFunction(library, 'releaseFilePages', 'no C compiler, Node headers or glibc') as
    FilePagesFunction | { unavailable: string };
}

/**
 * Once, after the start (docs/performance.md, "Memory of one home (session 38)"): the pages of the node binary, the
 * shared libraries and the addons that the start-up read (module loading, the addons' symbol look-ups, compiling) and
 * an idle hub does not read again, taken out of the hub's resident set. They stay in the kernel's page cache; a page
 * read again is mapped again by a minor fault. `done` gets the MB the mappings held, or the error; never throws.
 */
export function releaseFilePagesOnce(
  done: (result: { mb: number } | { error: string }) => void,
  release: FilePagesFunction | { unavailable: string } = loadFilePagesRelease(),
): boolean {
  if (typeof release !== 'function') return false;
  try {
    release((err, bytes) => done(err ? { error: err.message } : { mb: Math.round(bytes / 1e5) / 10 }));
  } catch (err) {
    // Could not queue the work: the pages stay resident until the kernel wants them.
    done({ error: (err as Error).message });
  }
  return true;
}

/** One minute: after a burst, glibc's free pages go back within a minute; an idle hub pays one pool task a minute. */
export const MALLOC_TRIM_EVERY_MS = 60_000;

export interface MallocTrimmer {
  /** False when the addon is not there (then nothing runs). */
  readonly available: boolean;
  /** Trims asked for / finished with memory given back (for tests and the docs' accounts). */
  readonly asked: number;
  readonly released: number;
  stop(): void;
}

/**
 * Trims now (the start-up's freed memory: compiled modules, the configuration's validation, a password hash) and
 * then every `everyMs`; one at a time (a trim still running when the next is due is not doubled). The timer does not
 * keep the process alive.
 */
export function startMallocTrim(
  options: { everyMs?: number; trim?: TrimFunction | { unavailable: string } } = {},
): MallocTrimmer {
  const trim = options.trim ?? loadMallocTrim();
  if (typeof trim !== 'function') return { available: false, asked: 0, released: 0, stop: () => undefined };
  let asked = 0;
  let released = 0;
  let running = false;
  const once = (): void => {
    if (running) return;
    running = true;
    asked += 1;
    try {
      trim((err, gaveBack) => {
        running = false;
        if (!err && gaveBack) released += 1;
      });
    } catch {
      // The addon could not queue its work (out of memory, the environment going down): memory stays with glibc, the
      // hub runs on; from the timer, a throw would end the process.
      running = false;
    }
  };
  once();
  const timer = setInterval(once, options.everyMs ?? MALLOC_TRIM_EVERY_MS);
  timer.unref();
  return {
    available: true,
    get asked() {
      return asked;
    },
    get released() {
      return released;
    },
    stop: () => clearInterval(timer),
  };
}
