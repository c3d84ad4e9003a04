import { z } from 'zod';
import type { Endpoint } from './endpoint.ts';
import { RoleSchema } from './roles.ts';

/** Officials' accounts: who may use the console, with which role. */
export const UsernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'a username is 2–64 lower-case letters, digits, dots, dashes or underscores')
  .brand<'Username'>();
export type Username = z.infer<typeof UsernameSchema>;

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

/**
 * A password an official may choose: long enough (NIST SP 800-63B: length, not composition
 * rules), not the username, not one character repeated.
 */
export function passwordProblem(password: string, username: string): string | undefined {
  /** Counted in code points, so an accented letter or an emoji counts once. */
  const chars = Array.from(password);
  if (chars.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (chars.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (lower === username.toLowerCase() || (username.length >= 4 && lower.includes(username.toLowerCase())))
    return 'a password must not contain the username';
  if (new Set(chars).size < 4) return 'a password needs at least 4 different characters';
  return undefined;
}

export const NewOfficialSchema = z
  .strictObject({
    username: UsernameSchema,
    password: z.string(),
    role: RoleSchema,
  })
  .superRefine((value, context) => {
    const problem = passwordProblem(value.password, value.username);
    if (problem !== undefined) context.addIssue({ code: 'custom', path: ['password'], message: problem });
  });
export type NewOfficial = z.infer<typeof NewOfficialSchema>;

export const OfficialSchema = z.object({
  username: z.string(),
  role: RoleSchema,
  createdAt: z.string(),
  /** Failed logins in a row, summed over the clients they came from. */
  failedLogins: z.number(),
  /** The latest end of a login back-off (from some client; the official's own is not slowed down). */
  lockedUntil: z.string().nullable(),
  /** Set while an admin has disabled the official: no login, no session. */
  disabledAt: z.string().nullable(),
});
export type Official = z.infer<typeof OfficialSchema>;
export const OfficialListSchema = z.object({ officials: z.array(OfficialSchema) });

export const RoleChangeRequestSchema = z.strictObject({ role: RoleSchema });
export const RoleChangedSchema = z.object({ username: z.string(), role: RoleSchema, previous: RoleSchema });
export const UnlockedSchema = z.object({ username: z.string(), wasLocked: z.boolean() });
export const DisabledSchema = z.object({
  username: z.string(),
  /** When the official was disabled; null once enabled. */
  disabledAt: z.string().nullable(),
  /** False when the official already was in that state (nothing changed). */
  changed: z.boolean(),
  sessionsEnded: z.number(),
});

export const OFFICIAL_ENDPOINTS = {
  officials: { method: 'GET', path: '/admin/officials', role: 'admin', response: OfficialListSchema },
  createOfficial: { method: 'POST', path: '/admin/officials', role: 'admin', body: NewOfficialSchema, response: OfficialSchema },
  changeRole: {
    method: 'POST',
    path: '/admin/officials/:username/role',
    role: 'admin',
    body: RoleChangeRequestSchema,
    response: RoleChangedSchema,
  },
  unlock: { method: 'POST', path: '/admin/officials/:username/unlock', role: 'admin', response: UnlockedSchema },
  disableOfficial: { method: 'POST', path: '/admin/officials/:username/disable', role: 'admin', response: DisabledSchema },
  enableOfficial: { method: 'POST', path: '/admin/officials/:username/enable', role: 'admin', response: DisabledSchema },
} as const satisfies Record<string, Endpoint>;
