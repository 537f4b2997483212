/**
 * Log messages from inside a run. A node writes them with LangGraph's
 * custom stream writer, next to progress messages:
 *
 *     config.writer?.({ log: 'fetched 3 pages' });                          // level "info"
 *     config.writer?.({ log: { url, status }, level: 'warning', logger: 'fetch' });
 *
 * They reach the caller as MCP `notifications/message` on the call's
 * response stream: on 2026-07-28 only when the request's `_meta` asks for a
 * log level (and only at or above it); 2025-era calls, which cannot set a
 * level on a stateless server, get every message.
 */

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  level: LogLevel;
  /** Any JSON value: a string, or structured detail. */
  data: unknown;
  logger?: string;
}

/** Receives a run's log messages; a rejected send (the client went away) does not stop the run. */
export type LogReporter = (entry: LogEntry) => Promise<void> | void;

/** A custom stream chunk is a log message when it carries a `log` field. */
export function logEntryOf(chunk: unknown): LogEntry | undefined {
  if (chunk === null || typeof chunk !== 'object' || !('log' in chunk)) return undefined;
  const { log, level, logger } = chunk as { log: unknown; level?: unknown; logger?: unknown };
  if (log === undefined) return undefined;
  return {
    level: LOG_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : 'info',
    data: log,
    ...(typeof logger === 'string' && logger.length > 0 ? { logger } : {}),
  };
}
