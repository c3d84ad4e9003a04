import type { ElectionDefinition, ElectionId } from '@scrutin/shared/node';
import type { Queryable } from '../db/database.ts';

/** Election definitions by id, read from Postgres once and kept. */
export class ElectionCatalogue {
  private readonly cache = new Map<string, ElectionDefinition>();
  constructor(
    private readonly db: Queryable,
    private readonly parse: (json: unknown) => ElectionDefinition,
  ) {}

  async get(id: ElectionId): Promise<ElectionDefinition | undefined> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const { rows } = await this.db.query<{ definition: unknown }>('SELECT definition FROM elections WHERE id = $1', [id]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const definition = this.parse(row.definition);
    this.cache.set(id, definition);
    return definition;
  }

  forget(id: ElectionId): void {
    this.cache.delete(id);
  }
}
