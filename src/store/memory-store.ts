import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { MemorySaver } from '@langchain/langgraph-checkpoint';
import type { NewRun, RunPatch, RunRecord, RunStore, SignalBus, Store } from './store.js';

/**
 * Everything in this process's memory: for tests and single-process
 * development. Lost on restart, invisible to other processes.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly checkpointer = new MemorySaver();
  readonly runs = new MemoryRunStore();
  readonly signals = new MemorySignalBus();
  private readonly keys = new Map<string, Uint8Array>();

  async sharedKey(name: string): Promise<Uint8Array> {
    let key = this.keys.get(name);
    if (key === undefined) {
      key = new Uint8Array(randomBytes(32));
      this.keys.set(name, key);
    }
    return key;
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    this.signals.close();
  }
}

class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, RunRecord>();

  async create(run: NewRun): Promise<RunRecord> {
    if (this.runs.has(run.id)) throw new Error(`run ${run.id} exists`);
    const now = Date.now();
    const record: RunRecord = {
      id: run.id,
      owner: run.owner,
      tool: run.tool,
      status: run.status,
      version: 1,
      data: structuredClone(run.data),
      createdAt: now,
      updatedAt: now,
      expiresAt: run.expiresAt,
      leaseOwner: run.leaseOwner ?? null,
      leaseUntil: run.leaseUntil ?? null,
    };
    this.runs.set(run.id, record);
    return structuredClone(record);
  }

  async get(id: string, owner: string): Promise<RunRecord | undefined> {
    const record = this.runs.get(id);
    if (record === undefined || record.owner !== owner || record.expiresAt <= Date.now()) return undefined;
    return structuredClone(record);
  }

  async update(id: string, version: number, patch: RunPatch): Promise<RunRecord | undefined> {
    const record = this.runs.get(id);
    if (record === undefined || record.version !== version) return undefined;
    const next: RunRecord = { ...record, ...structuredClone(patch), version: version + 1, updatedAt: Date.now() };
    this.runs.set(id, next);
    return structuredClone(next);
  }

  async deleteExpired(now: number, limit: number): Promise<string[]> {
    const ids: string[] = [];
    for (const [id, record] of this.runs) {
      if (ids.length >= limit) break;
      if (record.expiresAt <= now) ids.push(id);
    }
    for (const id of ids) this.runs.delete(id);
    return ids;
  }
}

class MemorySignalBus implements SignalBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, payload: unknown): Promise<void> {
    const copy = structuredClone(payload);
    // Delivered asynchronously, like every other store's signals.
    setImmediate(() => this.emitter.emit(channel, copy));
  }

  async subscribe(channel: string, listener: (payload: unknown) => void): Promise<() => void> {
    this.emitter.on(channel, listener);
    return () => this.emitter.off(channel, listener);
  }

  close(): void {
    this.emitter.removeAllListeners();
  }
}
