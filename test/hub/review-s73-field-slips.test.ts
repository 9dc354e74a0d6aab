// Review, session 73 (follow-up of the installer's walk): `"timeout": 60` in a ladder step, where `timeoutSeconds` is
// meant, was told only `unknown field` (and `timeoutSeconds: is required`): the unit left off is too many letters for
// the spelling's "did you mean" (a third of the letters at most). A field that begins the name meant, give or take one
// slip, is now told with it (hub/config.ts, `nearestField`); `escalaton` for `escalation` was already.
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s73-field-slips');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a field written as the beginning of the one meant is told with it; one that begins two is not', () => {
  const file = writeConfig(dir, {
    homes: [
      {
        id: 'flat-12',
        timezone: 'Europe/London',
        residents: [{ id: 'mrs-a' }],
        devices: [{ id: 'pendant', kind: 'pendant', room: 'living' }],
        escalaton: 'default',
      },
    ],
    responders: [
      {
        id: 'jo',
        group: 'carers',
        webhook: { url: 'https://calls.example.org/hook', secret: 'a-long-random-shared-secret', allowPrivate: true },
      },
      {
        id: 'sam',
        group: 'carers',
        webhook: { url: 'https://calls.example.org/desk', secret: 'a-long-random-shared-secret', allow: true },
      },
    ],
    escalation: {
      default: [
        { group: 'carers', timeout: 60 },
        { group: 'carers', timout: 60, timeoutSeconds: 120 },
      ],
    },
  });
  const run = runCli(['hub', '--check-config', '--config', file]);
  expect(run.status).toBe(1);
  const lines = run.stderr.split('\n').map((line) => line.trim());
  expect(lines).toEqual(
    expect.arrayContaining([
      "homes[0].escalaton: unknown field (did you mean 'escalation'?)",
      "responders[0].webhook.allowPrivate: unknown field (did you mean 'allowPrivateNetwork'?)",
      // Begins allowPrivateNetwork and allowPlainHttp: which is not to be guessed.
      'responders[1].webhook.allow: unknown field',
      "escalation.default[0].timeout: unknown field (did you mean 'timeoutSeconds'?)",
      "escalation.default[1].timout: unknown field (did you mean 'timeoutSeconds'?)",
    ]),
  );
});
