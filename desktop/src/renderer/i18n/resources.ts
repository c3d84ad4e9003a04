import type { fr } from './fr.ts';

/** The shape of the strings: French's keys, with any words. */
type Shape<T> = T extends string ? string : { readonly [K in keyof T]: Shape<T[K]> };
export type Translation = Shape<typeof fr>;
