// Reads `GET /api/alerts/stream` (Server-Sent Events) over a real socket, for the tests of the stream's scoping.
import http from 'node:http';
import type { Alert } from '../../hub/alerts/api.js';

export interface StreamEvent {
  event: string;
  id?: string;
  data: string;
}

/** The stream at `base` opened with `headers`: its events as they come (`until` waits for a condition). */
export class StreamReader {
  readonly events: StreamEvent[] = [];
  /** The server ended the response (it dropped the client), or the connection failed. */
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private readonly request: http.ClientRequest;

  constructor(base: string, headers: Record<string, string>) {
    this.request = http.get(`${base}/api/alerts/stream`, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.buffer += chunk;
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
          );
          if (fields.event) this.events.push({ event: fields.event, id: fields.id, data: fields.data ?? '' });
        }
        this.wake();
      });
      res.on('close', () => {
        this.ended = true;
        this.wake();
      });
    });
    this.request.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The alerts told so far. */
  alerts(): Alert[] {
    return this.alertEvents().map((e) => e.alert);
  }

  /** The alerts told so far, each with its event id (none on the first listing's). */
  alertEvents(): { alert: Alert; id?: string }[] {
    return this.events
      .filter((e) => e.event === 'alert')
      .map((e) => ({ alert: JSON.parse(e.data) as Alert, ...(e.id === undefined ? {} : { id: e.id }) }));
  }

  /** The `ready` event's data, once it came. */
  ready(): Record<string, unknown> | undefined {
    return this.readyEvent()?.data;
  }

  /** The `ready` event, with its id, once it came. */
  readyEvent(): { id?: string; data: Record<string, unknown> } | undefined {
    const ready = this.events.find((e) => e.event === 'ready');
    return ready
      ? { ...(ready.id === undefined ? {} : { id: ready.id }), data: JSON.parse(ready.data) as Record<string, unknown> }
      : undefined;
  }

  close(): void {
    this.request.destroy();
  }
}
