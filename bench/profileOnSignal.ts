// Loaded into a hub with `--import` (NODE_OPTIONS) by bench/ingestCost.ts: profiles only a window the bench chooses.
// The first SIGUSR2 starts V8's CPU profiler (or, with TELECARE_PROFILE_KIND=heap, the sampling heap profiler); the
// second stops it and writes `<pid>.cpuprofile` (`.heapprofile`) into TELECARE_PROFILE_DIR (start-up, shutdown left out).
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.TELECARE_PROFILE_DIR;
// One profiler at a time: the sampling heap profiler, keeping every allocation, slows the process several times over.
const heap = process.env.TELECARE_PROFILE_KIND === 'heap';
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  // The in-process inspector session answers synchronously: the profile is written before the handler returns.
  const post = (method: string, params: Record<string, unknown> = {}): unknown => {
    let result: unknown;
    session.post(method, params, (err, res) => {
      if (err) throw err;
      result = res;
    });
    return result;
  };
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      if (!heap) {
        post('Profiler.enable');
        post('Profiler.setSamplingInterval', { interval: 250 });
        post('Profiler.start');
        return;
      }
      post('HeapProfiler.enable');
      // Every allocation of the window, not only what is still alive at its end.
      post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return;
    }
    running = false;
    const stopped = post(heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop') as { profile: unknown };
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${process.pid}.${heap ? 'heapprofile' : 'cpuprofile'}`);
    fs.writeFileSync(file, JSON.stringify(stopped.profile));
  });
}
