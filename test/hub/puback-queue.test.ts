// PubackQueue: the external-broker mode's PUBACKs, pipelined but in arrival order, never for what is not stored.
import { describe, expect, it } from 'vitest';
import { PubackQueue } from '../../hub/broker-client.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function queue(current: Set<object>): { acks: number[]; failed: object[]; q: PubackQueue } {
  const acks: number[] = [];
  const failed: object[] = [];
  const q = new PubackQueue({
    isCurrent: (connection) => current.has(connection),
    sendPuback: (id) => acks.push(id),
    onStoreFailed: (_err, connection) => failed.push(connection),
  });
  return { acks, failed, q };
}

describe('PubackQueue', () => {
  it('acknowledges in arrival order: a message stored early waits for the earlier ones, then all go together', async () => {
    const connection = {};
    const { acks, q } = queue(new Set([connection]));
    const first = deferred();
    const second = deferred();
    q.enqueue(1, connection, first.promise);
    q.enqueue(2, connection, second.promise);
    q.enqueue(3, connection, undefined);
    second.resolve();
    await settle();
    expect(acks).toEqual([]);
    expect(q.size).toBe(3);
    first.resolve();
    await settle();
    expect(acks).toEqual([1, 2, 3]);
    expect(q.size).toBe(0);
  });

  it('sends nothing more on a connection whose storage failed, and reports the failure once', async () => {
    const connection = {};
    const { acks, failed, q } = queue(new Set([connection]));
    const first = deferred();
    const second = deferred();
    q.enqueue(1, connection, first.promise);
    q.enqueue(2, connection, second.promise);
    q.enqueue(3, connection, undefined);
    first.reject(new Error('disk full'));
    second.reject(new Error('disk full'));
    await settle();
    expect(acks).toEqual([]);
    expect(failed).toEqual([connection]);
    expect(q.size).toBe(0);
  });

  it('drops what came on a lost connection (the broker sends it again) without holding up the new one', async () => {
    const old = {};
    const fresh = {};
    const current = new Set<object>([old]);
    const { acks, q } = queue(current);
    const stuck = deferred();
    q.enqueue(1, old, stuck.promise);
    current.delete(old);
    current.add(fresh);
    const drained = q.drained();
    q.enqueue(1, fresh, Promise.resolve());
    await settle();
    expect(acks).toEqual([1]);
    await drained;
    stuck.resolve();
    await settle();
    expect(acks).toEqual([1]);
  });
});
