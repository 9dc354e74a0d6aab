// The worker thread that runs one queue's scrypt hashes at a lower priority, off libuv's pool (which runs the store's fsync).
import { scryptSync } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { lowerThisThreadPriority } from './thread-priority.js';
import type { ScryptReply, ScryptRequest } from './scrypt-thread.js';

lowerThisThreadPriority('scrypt');
const port = parentPort!;
port.on('message', (req: ScryptRequest) => {
  if (req.op === 'close') {
    port.close();
    return;
  }
  let reply: ScryptReply;
  try {
    const key = scryptSync(req.password, req.salt, req.keyLength, req.options);
    reply = { id: req.id, ok: true, key };
  } catch (err) {
    reply = { id: req.id, ok: false, message: (err as Error).message };
  }
  port.postMessage(reply);
});
