import type { ResolvedConfig } from '../config/load.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** The store the config names, opened and migrated; `undefined` for `"type": "none"`. */
export async function openStore(config: Pick<ResolvedConfig, 'store'>): Promise<Store | undefined> {
  switch (config.store.type) {
    case 'sqlite':
      return SqliteStore.open({ path: config.store.path });
    case 'memory':
      return new MemoryStore();
    case 'none':
      return undefined;
  }
}
