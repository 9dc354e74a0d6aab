// What logging in looks like on the hub's dashboard and the centre's console alike: request bodies, the throttle's
// answer, the session cookie.
import type { CookieSerializeOptions } from '@fastify/cookie';

export const LOGIN_BODY = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

/** `{ currentPassword, newPassword }`, the new one at least `minNewLength` characters. */
export function passwordChangeBody(minNewLength: number) {
  return {
    type: 'object',
    properties: {
      currentPassword: { type: 'string', minLength: 1, maxLength: 256 },
      newPassword: { type: 'string', minLength: minNewLength, maxLength: 256 },
    },
    required: ['currentPassword', 'newPassword'],
    additionalProperties: false,
  } as const;
}

/** The login throttle's refusal in words, and the whole seconds to put in `retry-after`. */
export function throttledLogin(waitMs: number): { seconds: number; message: string } {
  const seconds = Math.ceil(waitMs / 1000);
  return { seconds, message: `Too many wrong passwords for this user or from this address: try again in ${seconds} s` };
}

/** The session cookie: this site only, never readable by scripts, `secure` behind HTTPS. */
export function sessionCookie(secure: boolean, maxAgeSeconds: number): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge: maxAgeSeconds };
}
