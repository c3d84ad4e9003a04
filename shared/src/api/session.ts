import { z } from 'zod';
import type { Endpoint } from './endpoint.ts';
import { RoleSchema } from './roles.ts';

/** Officials' sessions: login, logout, who am I. The session itself travels in an httpOnly cookie. */
export const LoginRequestSchema = z.strictObject({ username: z.string().max(200), password: z.string().max(4096) });
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const SessionSchema = z.object({ username: z.string(), role: RoleSchema, csrfToken: z.string(), expiresAt: z.string() });
export type Session = z.infer<typeof SessionSchema>;

export const SESSION_ENDPOINTS = {
  login: { method: 'POST', path: '/auth/login', body: LoginRequestSchema, response: SessionSchema },
  /** Answers 204, no body. */
  logout: { method: 'POST', path: '/auth/logout', role: 'observer' },
  me: { method: 'GET', path: '/auth/me', role: 'observer', response: SessionSchema },
} as const satisfies Record<string, Endpoint>;
