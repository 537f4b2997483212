import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { MemorySaver, type BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { listedData } from './run-row.js';
import { TERMINAL_STATUSES, type NewRun, type RunCursor, type RunKind, type RunPatch, type RunRecord, type RunStore, type SignalBus, type Store } from './store.js';
import { StrictSerializer } from './strict-serde.js';
import { yieldingAfterWrites } from './yielding-saver.js';

/** LangGraph's in-memory saver, letting the event loop run after each write. */
const YieldingMemorySaver = yieldingAfterWrites(MemorySaver);

/**
 * Everything in this process's memory: for tests and single-process
 * development. Lost on restart, invisible to other processes.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly checkpointer = new YieldingMemorySaver(new StrictSerializer());
  readonly runs = new MemoryRunStore();
  readonly signals = new MemorySignalBus();
  private readonly keys = new Map<string, Uint8Array>();

  /** Nothing to commit: the writes are made one by one. */
  async writeCheckpoints(write: (checkpointer: BaseCheckpointSaver) => Promise<void>): Promise<void> {
    await write(this.checkpointer);
  }

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

  async createWithin(run: NewRun, atMost: number): Promise<RunRecord | undefined> {
    // Counted and stored in one turn of the event loop: nothing comes between.
    if (this.live(run.owner, atMost) >= atMost) return undefined;
    return this.create(run);
  }

  async create(run: NewRun): Promise<RunRecord> {
    if (this.runs.has(run.id)) throw new Error(`run ${run.id} exists`);
    const now = Date.now();
    const record: RunRecord = {
      id: run.id,
      owner: run.owner,
      tool: run.tool,
      kind: run.kind ?? 'call',
      status: run.status,
      version: 1,
      data: structuredClone(run.data),
      createdAt: now,
      updatedAt: now,
      expiresAt: run.expiresAt,
      leaseOwner: run.leaseOwner ?? null,
      leaseUntil: run.leaseUntil ?? null,
      progress: null,
    };
    this.runs.set(run.id, record);
    return structuredClone(record);
  }

  async get(id: string, owner: string): Promise<RunRecord | undefined> {
    const record = this.runs.get(id);
    if (record === undefined || record.owner !== owner || record.expiresAt <= Date.now()) return undefined;
    return structuredClone(record);
  }

  async update(id: string, version: number, patch: RunPatch, keepVersion = false): Promise<RunRecord | undefined> {
    const record = this.runs.get(id);
    if (record === undefined || record.version !== version) return undefined;
    const next: RunRecord = { ...record, ...structuredClone(patch), version: keepVersion ? version : version + 1, updatedAt: renewsLeaseOnly(patch) ? record.updatedAt : Date.now() };
    this.runs.set(id, next);
    return structuredClone(next);
  }

  async updateLeased(id: string, leaseOwner: string, patch: RunPatch): Promise<RunRecord | undefined> {
    const record = this.runs.get(id);
    if (record === undefined || record.leaseOwner !== leaseOwner || TERMINAL_STATUSES.includes(record.status)) return undefined;
    return this.update(id, record.version, patch, !changesMoreThanLease(patch));
  }

  async claim(leaseOwner: string, leaseUntil: number, now: number, tools: readonly string[]): Promise<RunRecord | undefined> {
    // Fair across callers (see the interface): how many tasks each has running, then the pick.
    const running = new Map<string, number>();
    for (const record of this.runs.values()) {
      if (record.kind === 'task' && record.status === 'working' && record.leaseUntil !== null && record.leaseUntil > now) running.set(record.owner, (running.get(record.owner) ?? 0) + 1);
    }
    let next: RunRecord | undefined;
    let nextRunning = 0;
    for (const record of this.runs.values()) {
      if (record.kind !== 'task' || record.status !== 'working' || record.expiresAt <= now || !tools.includes(record.tool)) continue;
      if (record.leaseUntil !== null && record.leaseUntil > now) continue;
      const owners = running.get(record.owner) ?? 0;
      if (next === undefined || owners < nextRunning || (owners === nextRunning && record.createdAt < next.createdAt)) [next, nextRunning] = [record, owners];
    }
    return next && this.update(next.id, next.version, { leaseOwner, leaseUntil });
  }

  async list(owner: string, kind: RunKind, limit: number, after?: RunCursor): Promise<RunRecord[]> {
    const now = Date.now();
    const before = (r: RunRecord) => after === undefined || r.createdAt < after.createdAt || (r.createdAt === after.createdAt && r.id < after.id);
    return [...this.runs.values()]
      .filter((r) => r.owner === owner && r.kind === kind && r.expiresAt > now && before(r))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .slice(0, limit)
      .map(({ data, ...run }) => ({ ...structuredClone(run), data: structuredClone(listedData(data)) }));
  }

  async countLive(owner: string, atMost: number): Promise<number> {
    return this.live(owner, atMost);
  }

  private live(owner: string, atMost: number): number {
    const now = Date.now();
    let count = 0;
    for (const record of this.runs.values()) {
      if (count >= atMost) break;
      if (record.owner === owner && record.expiresAt > now) count += 1;
    }
    return count;
  }

  async expiredIds(now: number, limit: number): Promise<string[]> {
    return this.expiredNow(now, limit, undefined);
  }

  async deleteExpired(now: number, limit: number, only?: readonly string[]): Promise<string[]> {
    // Found and deleted in one turn: two callers at once never both get a run.
    const ids = this.expiredNow(now, limit, only);
    for (const id of ids) this.runs.delete(id);
    return ids;
  }

  private expiredNow(now: number, limit: number, only: readonly string[] | undefined): string[] {
    const ids: string[] = [];
    for (const [id, record] of this.runs) {
      if (ids.length >= limit) break;
      if (only !== undefined && !only.includes(id)) continue;
      // A record a process holds (a paused run being resumed) is left to it until its lease lapses.
      if (record.expiresAt <= now && (record.leaseUntil === null || record.leaseUntil <= now)) ids.push(id);
    }
    return ids;
  }
}

/** A lease renewal or progress report: not a change others must notice by version. */
export function changesMoreThanLease(patch: RunPatch): boolean {
  return Object.keys(patch).some((key) => key !== 'leaseUntil' && key !== 'progress');
}

/** A lease renewal alone: nothing a reader sees changed, so the record's update time stays (a task's `lastUpdatedAt`). */
export function renewsLeaseOnly(patch: RunPatch): boolean {
  return patch.leaseUntil !== undefined && Object.entries(patch).every(([key, value]) => key === 'leaseUntil' || value === undefined);
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
