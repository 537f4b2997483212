import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { GraphMcpError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { ChannelListeners } from './channel-listeners.js';
import { DATABASE_NOW_MS } from './database-clock.js';
import { backoffMs, quoteIdent, type PgModule } from './postgres-pool.js';
import type { SignalBus } from './store.js';

/**
 * The largest notification sent inline, in bytes. PostgreSQL refuses a
 * NOTIFY payload of 8000 bytes or more; anything bigger travels through a
 * row of the signals table that the notification names.
 */
export const NOTIFY_INLINE_MAX_BYTES = 7_900;

/** Longest logical channel name: it always travels inline. */
const MAX_CHANNEL_CHARS = 1_000;

/** Rows of spilled (large) signals older than this are deleted: nobody waits that long for one. */
const SPILL_RETENTION_MS = 60_000;

/** How often the listening connection is checked, and how long the check may take before the connection counts as lost. */
const HEARTBEAT_MS = 15_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

/**
 * What a notification carries: the logical channel, the payload itself or the id of the row
 * holding it, and which bus sent it (`s`: its own are delivered to it without the database).
 */
type Envelope = ({ c: string; p: unknown } | { c: string; r: number }) & { s?: string };

export interface PostgresSignalBusOptions {
  pg: PgModule;
  /** Connection settings of the dedicated listening connection. */
  connection: pg.ClientConfig;
  pool: pg.Pool;
  /** The PostgreSQL notification channel every process of this store listens on. */
  pgChannel: string;
  /** The schema-qualified signals table, for payloads too large to notify. */
  table: string;
  logger: Logger | undefined;
}

/**
 * Signals over LISTEN/NOTIFY. Every process holds one dedicated connection
 * listening on one PostgreSQL channel per store (schema); the logical
 * channel travels in the payload and is dispatched in the process. One
 * channel rather than one per logical channel: logical names (an answer's
 * is `answer:<request id>`, over 60 bytes) do not fit PostgreSQL's 63-byte
 * identifiers, and a LISTEN/UNLISTEN round trip per question would cost
 * more than filtering the few signals a process does not wait for.
 *
 * A notification is delivered when the publishing statement commits: the
 * latency is one network hop from the database (well under a millisecond
 * on one machine). While the listening connection is down (the database
 * restarts, the network drops) it is re-established with backoff and the
 * loss is logged; signals other processes publish meanwhile are missed, as
 * the at-most-once contract allows (a waiting 2025-era call then answers
 * with a paused-run result when its question times out). A process's own
 * signals reach its own listeners without the database, so they are not
 * lost with the listening connection (an answer posted to the process
 * whose call waits for it), nor when the database cannot be reached.
 *
 * The listening connection keeps the process alive until `close()`: a
 * subscriber waiting for a signal has nothing else to wait on.
 */
export class PostgresSignalBus implements SignalBus {
  private readonly listeners = new ChannelListeners();
  private client: pg.Client | undefined;
  private delivery: Promise<void> = Promise.resolve();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private lastPrune = Number.NEGATIVE_INFINITY;
  /** This bus's mark on what it sends, so that it skips its own notifications when they come back. */
  private readonly sender = randomBytes(8).toString('hex');

  constructor(private readonly options: PostgresSignalBusOptions) {}

  /** Opens the listening connection; throws if it cannot (a start-up error). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** The listening connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    if (channel.length > MAX_CHANNEL_CHARS) {
      throw new GraphMcpError('STORE_UNAVAILABLE', `signal channel names are limited to ${MAX_CHANNEL_CHARS} characters`);
    }
    const { pool, pgChannel, table } = this.options;
    const inline = JSON.stringify({ c: channel, p: payload ?? null, s: this.sender } satisfies Envelope);
    // This process's own listeners first, as other processes will get it: through JSON, in order.
    // Not behind other processes' signals (a large one is fetched from the database first).
    queueMicrotask(() => {
      if (this.listeners.has(channel)) this.dispatch(channel, (JSON.parse(inline) as { p: unknown }).p);
    });
    if (Buffer.byteLength(inline) <= NOTIFY_INLINE_MAX_BYTES) {
      await pool.query('SELECT pg_notify($1, $2)', [pgChannel, inline]);
      return;
    }
    // One statement, so one transaction: the row is visible to every listener when the notification arrives.
    // Its time is the database's, as is the prune's: machines whose clocks disagree would
    // otherwise delete each other's rows before their listeners read them.
    await pool.query(
      `WITH spilled AS (INSERT INTO ${table} (channel, payload, created_at) VALUES ($2, $3, ${DATABASE_NOW_MS}::bigint) RETURNING id)
       SELECT pg_notify($1, json_build_object('c', $2::text, 'r', id, 's', $4::text)::text) FROM spilled`,
      [pgChannel, channel, JSON.stringify(payload ?? null), this.sender],
    );
    const now = performance.now();
    if (now - this.lastPrune > SPILL_RETENTION_MS) {
      this.lastPrune = now;
      await pool.query(`DELETE FROM ${table} WHERE created_at < ${DATABASE_NOW_MS}::bigint - $1`, [SPILL_RETENTION_MS]);
    }
  }

  async subscribe(channel: string, listener: (payload: unknown) => void): Promise<() => void> {
    // The connection listens already: a listener added now hears every signal published from now on.
    return this.listeners.add(channel, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    this.listeners.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new this.options.pg.Client({ ...this.options.connection, keepAlive: true });
    // Attached before connecting: an unhandled `error` event would end the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', (message) => this.receive(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.pgChannel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.heartbeat = setInterval(() => this.check(client), HEARTBEAT_MS).unref();
  }

  /** A connection that stopped answering (a silent network drop) counts as lost. */
  private check(client: pg.Client): void {
    const timer = setTimeout(() => this.lost(client, new Error('the listening connection did not answer a heartbeat')), HEARTBEAT_TIMEOUT_MS).unref();
    client.query('SELECT 1').then(
      () => clearTimeout(timer),
      (error: unknown) => {
        clearTimeout(timer);
        this.lost(client, error);
      },
    );
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.logger?.warn(
      { err: error === undefined ? undefined : { message: messageOf(error) } },
      'PostgreSQL: the signal connection (LISTEN) was lost; reconnecting. Signals published until it is back are missed',
    );
    this.reconnect();
  }

  private reconnect(): void {
    const delay = backoffMs(this.failures, 250, 30_000);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.closed) return;
          this.options.logger?.info({ attempts: this.failures + 1 }, 'PostgreSQL: the signal connection is back');
          this.failures = 0;
        },
        (error: unknown) => {
          this.failures += 1;
          this.options.logger?.warn({ err: { message: messageOf(error) }, attempts: this.failures }, 'PostgreSQL: reconnecting the signal connection failed; retrying');
          if (!this.closed) this.reconnect();
        },
      );
    }, delay);
  }

  private receive(message: pg.Notification): void {
    if (message.channel !== this.options.pgChannel || message.payload === undefined) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message.payload) as Envelope;
    } catch {
      return; // Not ours: someone else notified on the channel.
    }
    if (typeof envelope?.c !== 'string' || envelope.s === this.sender || !this.listeners.has(envelope.c)) return;
    // In order: a spilled payload is fetched before later signals are delivered.
    this.delivery = this.delivery.then(() => this.deliver(envelope)).catch((error: unknown) => {
      this.options.logger?.warn({ err: { message: messageOf(error) }, channel: envelope.c }, 'PostgreSQL: a signal could not be read; it is dropped');
    });
  }

  private async deliver(envelope: Envelope): Promise<void> {
    let payload: unknown;
    if ('r' in envelope) {
      const { rows } = await this.options.pool.query<{ payload: unknown }>(`SELECT payload FROM ${this.options.table} WHERE id = $1`, [envelope.r]);
      if (rows[0] === undefined) return;
      payload = rows[0].payload;
    } else {
      payload = envelope.p;
    }
    this.dispatch(envelope.c, payload);
  }

  private dispatch(channel: string, payload: unknown): void {
    this.listeners.dispatch(channel, payload, (error) => {
      this.options.logger?.warn({ err: { message: messageOf(error) }, channel }, 'a signal listener threw');
    });
  }
}
