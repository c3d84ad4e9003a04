import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * installers/electron-builder.yml, read for what the other installers take from it (the
 * maintainer, the package and executable names, the Electron version). electron-builder
 * itself reads and validates the whole file (installers/src/electron_builder.test.ts).
 */
export const INSTALLERS_DIR = join(import.meta.dirname, '..');
export const BUILDER_CONFIG = join(INSTALLERS_DIR, 'electron-builder.yml');

const BuilderConfigSchema = z.object({
  appId: z.string(),
  productName: z.string(),
  electronVersion: z.string(),
  directories: z.object({ output: z.string(), buildResources: z.string() }),
  extraMetadata: z.object({ name: z.string(), productName: z.string(), main: z.string() }),
  files: z.array(z.string()),
  afterPack: z.string(),
  linux: z.object({ executableName: z.string(), maintainer: z.string() }).loose(),
  deb: z.object({ packageName: z.string(), artifactName: z.string(), depends: z.array(z.string()) }).loose(),
  win: z.object({ executableName: z.string() }).loose(),
});
export type BuilderConfig = z.infer<typeof BuilderConfigSchema>;

export function readBuilderConfig(): BuilderConfig {
  return BuilderConfigSchema.parse(parse(readFileSync(BUILDER_CONFIG, 'utf8')));
}
