// A self-signed certificate for the hub on 127.0.0.1 (EC P-256, one day), made with openssl, for TLS tests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface SelfSignedPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** Writes `dir/hub.crt` and `dir/hub.key` (CN telecare-hub, subjectAltName IP:127.0.0.1). */
export function selfSignedPair(dir: string): SelfSignedPair {
  const certFile = path.join(dir, 'hub.crt');
  const keyFile = path.join(dir, 'hub.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=telecare-hub',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}
