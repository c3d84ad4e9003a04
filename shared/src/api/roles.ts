import { z } from 'zod';

/**
 * Officials' roles, ordered: an admin can do everything an official can, an official
 * everything an observer can.
 */
export const ROLES = ['observer', 'official', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
