// PEM files an installer names by a path (a certificate, its key, a CA), read and checked before a start uses them, so
// that what goes wrong is said in one line naming the setting, the file and what to do (review, session 73). Before,
// the hub said "could not start: ENOENT: no such file or directory, open '...'", "EISDIR: illegal operation on a
// directory, read", "error:0480006C:PEM routines::no start line" or "x509 certificate routines::key values mismatch",
// naming neither the setting nor, mostly, the file.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** A file named by a setting cannot be used: the message is one line, the setting, the file, the cause, the remedy. */
export class PemFileError extends Error {
  constructor(
    readonly setting: string,
    readonly file: string,
    readonly reason: string,
    remedy: string,
  ) {
    super(`${setting} ${file} cannot be used: ${reason}. ${remedy}`);
    this.name = 'PemFileError';
  }
}

function runningUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${String(process.getuid?.() ?? '?')}`;
  }
}

/** Why `file` could not be read, in words (a missing file, a folder, a permission), not an errno. */
export function unreadableCause(err: unknown, who = 'the hub'): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'ENOTDIR') return 'a part of that path is a file, not a folder';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') {
    const user = runningUser();
    return `the user running ${who} (${user}) may not read it (give it to that user with sudo chown ${user}, or to its group with chmod 640)`;
  }
  return (err as Error).message;
}

/** The bytes of `file`, or why they cannot be read. */
export function readOrCause(
  file: string,
  who?: string,
  read: (file: string) => Buffer = readFileSync,
): { bytes: Buffer } | { cause: string } {
  try {
    return { bytes: read(file) };
  } catch (err) {
    return { cause: unreadableCause(err, who) };
  }
}

/** The PEM certificates in `bytes` that parse (none for a key, a DER file, a text that only looks like PEM). */
export function pemCertificates(bytes: Buffer): X509Certificate[] {
  const blocks = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  const certificates: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      // not a certificate after all: left out
    }
  }
  return certificates;
}

/**
 * The bytes of a CA file, or why they cannot be the CA: unreadable (`readOrCause`), or holding no PEM certificate. Read
 * so by the hub's `HUB_UPLINK_CA` and the centre's `CENTRAL_MQTT_CA` (review, session 73).
 */
export function readCaOrCause(
  file: string,
  who?: string,
  read: (file: string) => Buffer = readFileSync,
): { bytes: Buffer } | { cause: string } {
  const got = readOrCause(file, who, read);
  if ('cause' in got || pemCertificates(got.bytes).length > 0) return got;
  return { cause: 'it holds no PEM certificate (a private key or a DER file is not the CA)' };
}

const DAY_MS = 86_400_000;

function daysAgo(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  return days === 0 ? 'today' : days === 1 ? '1 day ago' : `${String(days)} days ago`;
}

/** A certificate and its private key, read and checked: the bytes to serve, and a warning on its dates if any. */
export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
  /** The certificate has expired, or is not valid yet (a clock not yet set at boot): clients will refuse it. */
  dateWarning?: string;
}

/**
 * `certFile` (setting `certSetting`) and `keyFile` (`keySetting`) read and checked as a TLS server's pair: a file that
 * is missing, a folder, unreadable, a certificate file with no PEM certificate (the key given for it), a key file with
 * no private key (the certificate given for it, an encrypted key) or a key that is not the certificate's throw a
 * PemFileError naming the setting; `remedy` ends its message. Dates only warn: a Raspberry Pi has no clock of its own
 * and may start before the network has set it, and a hub that refused to start over that would watch no one.
 */
export function readCertificatePair(
  files: { certFile: string; keyFile: string; certSetting: string; keySetting: string; remedy: string },
  now: number = Date.now(),
  read: (file: string) => Buffer = readFileSync,
): CertificatePair {
  const { certFile, keyFile, certSetting, keySetting, remedy } = files;
  const certRead = readOrCause(certFile, 'the hub', read);
  if ('cause' in certRead) throw new PemFileError(certSetting, certFile, certRead.cause, remedy);
  const keyRead = readOrCause(keyFile, 'the hub', read);
  if ('cause' in keyRead) throw new PemFileError(keySetting, keyFile, keyRead.cause, remedy);
  const [leaf] = pemCertificates(certRead.bytes);
  if (leaf === undefined) {
    const why = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(certRead.bytes.toString('latin1'))
      ? `it holds a private key, not a certificate (is ${certSetting} the key's file?)`
      : 'it holds no PEM certificate (-----BEGIN CERTIFICATE-----; a DER file must be converted: openssl x509 -inform der)';
    throw new PemFileError(certSetting, certFile, why, remedy);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyRead.bytes);
  } catch (err) {
    const text = keyRead.bytes.toString('latin1');
    const why = text.includes('-----BEGIN CERTIFICATE-----')
      ? `it holds a certificate, not a private key (is ${keySetting} the certificate's file?)`
      : text.includes('ENCRYPTED')
        ? 'the private key is protected by a passphrase, which the hub cannot type: remove it (openssl pkey -in old.key -out new.key)'
        : `it holds no private key the hub can read (${(err as Error).message})`;
    throw new PemFileError(keySetting, keyFile, why, remedy);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new PemFileError(
      keySetting,
      keyFile,
      `this private key is not the one of the certificate in ${certSetting} ${certFile} (the first certificate of ` +
        "that file must be the server's own, made with this key)",
      remedy,
    );
  }
  const from = Date.parse(leaf.validFrom);
  const to = Date.parse(leaf.validTo);
  let dateWarning: string | undefined;
  if (to < now) {
    dateWarning =
      `${certSetting} ${certFile} expired on ${new Date(to).toISOString()} (${daysAgo(now - to)}): clients refuse it; ` +
      'give a renewed certificate and restart the hub';
  } else if (from > now) {
    dateWarning =
      `${certSetting} ${certFile} is valid only from ${new Date(from).toISOString()}, and this machine's clock says ` +
      `${new Date(now).toISOString()}: clients refuse it until then; check the clock (timedatectl) or the certificate`;
  }
  return { cert: certRead.bytes, key: keyRead.bytes, ...(dateWarning ? { dateWarning } : {}) };
}
