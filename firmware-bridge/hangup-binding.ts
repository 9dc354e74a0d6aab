// The serialport binding the bridge opens its receiver with: the platform's own, except that a read of no bytes on
// Linux or macOS is taken for what it is on a serial device, the device hanging up (unplugged), not a read to repeat.
import fs from 'node:fs';
import { promisify } from 'node:util';
import {
  autoDetect,
  BindingsError,
  DarwinPortBinding,
  LinuxPortBinding,
  type BindingInterface,
  type BindingPortInterface,
  type OpenOptions,
} from '@serialport/bindings-cpp';

const readAsync = promisify(fs.read);

/** Read results that only mean "nothing yet": wait until the descriptor is readable, then read again. */
const TRY_AGAIN = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

/** What the port's `close` event carries (and the bridge's status, as the port's error) once the device hung up. */
export const HANGUP_MESSAGE = 'serial device hung up (unplugged?): read returned end of file';

/**
 * bindings-cpp's `unixRead` (13.0.0), but for a read of 0 bytes. The port is non-blocking and raw (VMIN 1): a live
 * device with nothing to say answers EAGAIN, and the read waits for the poller; 0 bytes is end of file, what the
 * kernel answers once the tty is hung up (a USB receiver unplugged, a pty's other end closed). `unixRead` read again at
 * once, and again, for ever: the port stayed open, the bridge said `online` with a receiver gone and one of libuv's
 * threads spun on `read()` (review, session 72). Only the poller's error (the hangup seen while it waited) closed the
 * port; a hangup that came while a read was on its way to a thread (bytes arriving as the receiver was pulled out, a
 * loaded machine, the poller woken a moment before the hangup completed) was missed for good. Here it fails the read
 * with a disconnect, and the stream closes the port as for any read error.
 */
async function readUntilHangup(
  port: LinuxPortBinding | DarwinPortBinding,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    const fd = port.fd;
    if (fd === null) throw new BindingsError('Port is not open', { canceled: true });
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(fd, buffer, offset, length, null));
    } catch (err) {
      if (!TRY_AGAIN.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      if (!port.isOpen) throw new BindingsError('Port is not open', { canceled: true });
      await readable(port);
      continue;
    }
    if (bytesRead > 0) return { buffer, bytesRead };
    // A port opened with VMIN 0 answers 0 bytes when it has nothing yet, hung up or not (second reading, session 72).
    if (port.openOptions.vmin === 0 && !(await hungUp(port))) {
      if (!port.isOpen) throw new BindingsError('Port is not open', { canceled: true });
      await readable(port);
      continue;
    }
    throw Object.assign(new Error(HANGUP_MESSAGE), { code: 'EOF', disconnect: true });
  }
}

/** Until the poller says the port readable (or fails: its error; closed: canceled). */
function readable(port: LinuxPortBinding | DarwinPortBinding): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    port.poller.once('readable', (pollErr) => (pollErr ? reject(pollErr) : resolve())),
  );
}

/**
 * Whether the tty behind `port` is hung up: every ioctl of a hung-up tty fails with EIO (ENXIO, ENODEV: the device
 * gone); a live one answers (a pty: ENOTTY, no modem lines). Asked only of a port opened with VMIN 0.
 */
async function hungUp(port: LinuxPortBinding | DarwinPortBinding): Promise<boolean> {
  if (!port.isOpen) return false;
  try {
    await port.get();
    return false;
  } catch (err) {
    return /Input\/output error|No such device|Device not configured/.test((err as Error).message);
  }
}

/**
 * The platform's binding (`autoDetect()`, as `new SerialPort` uses), its ports' reads ending at a hangup on Linux and
 * macOS; Windows' ports are left as they are.
 */
export function hangupAwareBinding(base: BindingInterface = autoDetect()): BindingInterface {
  return {
    list: () => base.list(),
    async open(options: OpenOptions): Promise<BindingPortInterface> {
      const port = await base.open(options);
      if (port instanceof LinuxPortBinding || port instanceof DarwinPortBinding) {
        // A read asked for no bytes reads none, and says nothing of a hangup (second reading, session 72: its 0 bytes
        // were taken for one, and a live port closed).
        port.read = async (buffer, offset, length) => {
          if (length !== 0) return readUntilHangup(port, buffer, offset, length);
          if (!port.isOpen) throw new Error('Port is not open');
          return { buffer, bytesRead: 0 };
        };
      }
      return port;
    },
  };
}
