import { z } from 'zod';
import type { Result } from '@scrutin/shared';
import {
  STATION_METHOD_NAMES,
  STATION_METHODS,
  StationErrorSchema,
  type StationError,
  type StationMethod,
  type ValueOf,
} from './station_api.ts';

/**
 * The StationApi on the wire, on both sides of each hop (browser host ⇄ renderer over
 * WebSocket, Electron main ⇄ preload over IPC, main ⇄ the backend's utility process): the
 * frames, derived from the method table (`station_api.ts`). Nothing here names a method.
 *
 * Browser-safe: zod and type imports only (it is bundled into the renderer and the preload).
 */

export const StationMethodSchema = z.enum(STATION_METHOD_NAMES);

/** A call, as the UI side sends it; its arguments are checked against its method's schema by the host. */
export const CallSchema = z.object({ method: StationMethodSchema, args: z.unknown() }).strict();
export type Call = z.infer<typeof CallSchema>;

/** The answer to a call: the method's Result. */
export function replySchema<M extends StationMethod>(method: M): z.ZodType<Result<ValueOf<M>, StationError>> {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value: STATION_METHODS[method].value }),
    z.object({ ok: z.literal(false), error: StationErrorSchema }),
  ]);
}

/** UI side → host: a numbered call. */
export const ClientFrameSchema = z.object({ id: z.int().nonnegative(), call: CallSchema }).strict();
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

/** The longest fault message a frame carries. */
export const MAX_FAULT_LENGTH = 2000;

/** Host → UI side: the reply to a call, a pushed event, or a fault (a refused frame or a bug in the backend). */
export const HostFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reply'), id: z.int().nonnegative(), reply: z.unknown() }),
  z.object({ type: z.literal('event'), event: z.unknown() }),
  z.object({ type: z.literal('fault'), id: z.int().nonnegative().nullable(), message: z.string().max(MAX_FAULT_LENGTH) }),
]);
export type HostFrame = z.infer<typeof HostFrameSchema>;
