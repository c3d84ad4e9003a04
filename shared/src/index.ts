export * from './result.ts';
export * from './ids.ts';
