import { describe, expect, it } from 'vitest';
import { postgresSettingErrors } from './postgres_settings.ts';

describe('postgresSettingErrors', () => {
  it("accepts what Postgres accepts: its units, its enums and booleans, within each setting's bounds", async () => {
    expect(
      await postgresSettingErrors({
        shared_buffers: '4GB',
        max_wal_size: '16384',
        checkpoint_timeout: '30min',
        checkpoint_completion_target: '0.9',
        wal_compression: 'lz4',
        synchronous_commit: 'on',
        log_checkpoints: 'true',
        work_mem: '1.5MB',
      }),
    ).toEqual([]);
  });

  it('names each setting Postgres would refuse, and why', async () => {
    const errors = await postgresSettingErrors({
      max_wal_sise: '16GB',
      max_wal_size: '16G',
      checkpoint_timeout: '10s',
      shared_buffers: '64kB',
      wal_compression: 'gzip',
      log_checkpoints: 'maybe',
      max_connections: '100MB',
      block_size: '8192',
    });
    expect(errors).toEqual([
      'max_wal_sise: not a Postgres setting',
      "max_wal_size = '16G': 'G' is not one of B, kB, MB, GB, TB",
      "checkpoint_timeout = '10s': outside 30..86400 s",
      "shared_buffers = '64kB': outside 16..1073741823 8kB",
      "wal_compression = 'gzip': not one of pglz, lz4, zstd, on, off",
      "log_checkpoints = 'maybe': not a boolean",
      "max_connections = '100MB': takes no unit, and 'MB' was given",
      "block_size = '8192': fixed when Postgres is built, it cannot be set",
    ]);
  });
});
