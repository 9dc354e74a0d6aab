// aedes's message router (mqemitter) drained in turns of the loop, not in one ever-deeper synchronous chain.
//
// mqemitter delivers at most `concurrency` messages at once (aedes's default: 100); past it, each message waits in its
// queue. When a delivery ends, its `released` takes the next message from the queue and starts it (`_do`); a message
// nobody subscribes to ends inside that call (fastparallel calls back at once for an empty list of subscribers), so
// the next one starts one stack frame deeper, and so on: a queue of thousands of such messages drained at once threw
// "Maximum call stack size exceeded" out of a socket's callback and ended the hub (review, session 69: 6,000 flats
// pressing at once; mcollina/mqemitter#204, open upstream). Measured in session 70 on the hub's broker: 2,600
// unsubscribed messages queued behind 150 alerts drained; 2,800 crashed.
//
// Here the message router's own instance is changed, not the library: every `DRAIN_RUN` messages started one inside
// another, the next one is put back at the head of mqemitter's own queue, its delivery slot kept taken, and the slot
// is given back a turn later (`setImmediate`) through mqemitter's own `released`, which starts the queue's head from
// an empty stack. Order is kept: everything waits in the one queue, in order, and a message emitted while the queue
// holds anything goes behind it (as mqemitter does once its slots are all taken), even with a slot free. Nothing is
// lost: the kept slot is given back exactly once, and the queue is drained as before.

/** Messages started one inside another before the next waits for a turn of the loop (a few frames each). */
export const DRAIN_RUN = 256;

/** The parts of mqemitter's instance (mqemitter.js) that `drainInTurns` uses. */
export interface MessageRouter {
  _messageQueue: unknown[];
  _messageCallbacks: unknown[];
  _doing: boolean;
  current: number;
  closed: boolean;
  _released: () => void;
  _do: (this: MessageRouter, message: unknown, callback: unknown) => unknown;
  emit: (this: MessageRouter, message: unknown, callback?: unknown) => unknown;
}

/** Makes `mq` (aedes's `broker.mq`) break its drain every `DRAIN_RUN` messages (see above); returns it. */
export function drainInTurns(mq: MessageRouter): MessageRouter {
  // Another mqemitter than the one this was written against (its private parts changed): left as it is, and
  // test/hub/review-s70-burst.test.ts says so by failing.
  if (
    typeof mq._do !== 'function' ||
    typeof mq._released !== 'function' ||
    !Array.isArray(mq._messageQueue) ||
    !Array.isArray(mq._messageCallbacks)
  ) {
    return mq;
  }
  const start = mq._do;
  const emit = mq.emit;
  /** Messages started and not yet returned from, one inside another, on the stack now. */
  let depth = 0;
  const resume = (): void => mq._released();
  mq._do = function drainDo(this: MessageRouter, message: unknown, callback: unknown): unknown {
    if (depth >= DRAIN_RUN) {
      // Back at the head: `released` shifted it off, or (an emit deep in a chain, a slot free) the queue was empty.
      this._messageQueue.unshift(message);
      this._messageCallbacks.unshift(callback);
      // The slot `released` gave back (or the one this message would take) stays taken until `resume` gives it back.
      this.current++;
      this._doing = true;
      setImmediate(resume);
      return this;
    }
    depth++;
    try {
      return start.call(this, message, callback);
    } finally {
      depth--;
    }
  };
  mq.emit = function drainEmit(this: MessageRouter, message: unknown, callback?: unknown): unknown {
    // Behind what waits, whatever the slots: only mqemitter's own `emit` answers a closed router (with an error).
    if (this._messageQueue.length > 0 && !this.closed && message) {
      this._messageQueue.push(message);
      this._messageCallbacks.push(typeof callback === 'function' ? callback : noop);
      return this;
    }
    return emit.call(this, message, callback);
  };
  return mq;
}

function noop(): void {}
