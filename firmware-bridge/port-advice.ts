// What an installer should do about a serial port the bridge cannot open: the OS's words say what, not what to do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where Linux names serial receivers: USB adapters, USB CDC boards, the Pi's own UART, and udev's stable links. */
const SERIAL_NAME = /^(ttyUSB\d+|ttyACM\d+|ttyAMA\d+|ttyS0|serial\d)$/;

/** The serial devices present now, stable links first (a receiver plugged in is best named by its by-id link). */
export function serialPortsPresent(devDir = '/dev'): string[] {
  const list = (dir: string, keep: (name: string) => boolean): string[] => {
    try {
      return fs
        .readdirSync(dir)
        .filter(keep)
        .sort()
        .map((name) => path.join(dir, name));
    } catch {
      return [];
    }
  };
  return [...list(path.join(devDir, 'serial/by-id'), () => true), ...list(devDir, (name) => SERIAL_NAME.test(name))];
}

/** The name of group `gid` from /etc/group, or undefined. */
function groupName(gid: number): string | undefined {
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id !== undefined && Number(id) === gid) return name;
    }
  } catch {
    // no /etc/group: no name
  }
  return undefined;
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${String(process.getuid?.() ?? '?')}`;
  }
}

/**
 * The advice for an open failure of `portPath` with the serialport binding's message `reason`, or undefined when the
 * failure is not one an installer can mend (review, session 67: "Permission denied, cannot open /dev/ttyUSB0" told
 * nothing of the dialout group; "Cannot lock port" nothing of another program holding it).
 */
export function portOpenAdvice(portPath: string, reason: string): string | undefined {
  if (/permission denied|EACCES/i.test(reason)) {
    let group: string | undefined;
    try {
      const gid = fs.statSync(portPath).gid;
      group = gid === 0 ? undefined : groupName(gid);
    } catch {
      // gone meanwhile: the usual group
    }
    const owner = group ?? 'dialout';
    const user = currentUser();
    return (
      `the user running the bridge (${user}) may not open ${portPath}: add it to the group '${owner}' that may ` +
      `(sudo usermod -aG ${owner} ${user}), then log out and in, or restart its service, and start the bridge again ` +
      '(a running process keeps the groups it started with)'
    );
  }
  if (/cannot lock port|resource temporarily unavailable|EBUSY|EAGAIN/i.test(reason)) {
    return (
      `another program holds ${portPath} open (another telecare bridge, ModemManager, a serial console such as ` +
      `screen or minicom; 'sudo fuser -v ${portPath}' names it): stop it; the bridge opens the port once it is free`
    );
  }
  if (/no such file or directory|ENOENT/i.test(reason)) {
    const present = serialPortsPresent();
    const where =
      present.length === 0
        ? "no serial device is present: is the receiver plugged in? ('dmesg | tail' shows the name the kernel gave it)"
        : `serial devices present: ${present.join(', ')}`;
    return `no device ${portPath} (the bridge retries, for a receiver still to be plugged in); ${where}`;
  }
  return undefined;
}
