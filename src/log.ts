import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { GraphMcpError } from './errors.js';
import { scrubLogged } from './run/scrub.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** @default `LOG_LEVEL` from the environment, else `info` */
  level?: LevelWithSilent | undefined;
  /** Where JSON lines go. Default: stdout. */
  destination?: DestinationStream;
  /**
   * Write each line to stdout before going on (no buffer), for a process
   * that logs little and whose last lines must not be lost when it exits.
   */
  sync?: boolean;
}

/** The levels a logger may be set to: pino's six, and `silent`. */
const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `level`, if a logger may be set to it; else a refusal naming where levels come from and which there are. */
export function checkedLevel(level: string): LevelWithSilent {
  // Pino's own refusal names neither the variable nor the levels it knows.
  if (!LEVELS.includes(level)) {
    throw new GraphMcpError('OPTIONS_INVALID', `LOG_LEVEL (or the config's log_level) must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  return level as LevelWithSilent;
}

/**
 * Structured JSON logs, one object per line. Field names that could carry a
 * credential are redacted wherever they appear, as a second line of defence:
 * graph-mcp itself never logs a token.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = checkedLevel(options.level ?? (process.env.LOG_LEVEL as LevelWithSilent | undefined) ?? 'info');
  return pino(
    {
      level,
      // The pid tells the processes of `serve --workers` apart.
      base: { service: 'graph-mcp', pid: process.pid },
      // graph-mcp logs `err: { message }` where an error's stack could name a secret: such a
      // plain object is written as it is, not as an error of type "Object" with an empty stack.
      // Either way, no credential handed to a run, and no URL's password, is written (a graph's
      // own error may quote one, and one raised outside any run passes no run's scrubbing).
      serializers: { err: serializeError },
      redact: {
        paths: ['authorization', 'token', 'password', 'secret', '*.authorization', '*.token', '*.password', '*.secret', 'headers.authorization', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    options.destination ?? (options.sync ? pino.destination({ dest: 1, sync: true }) : undefined),
  );
}

function serializeError(value: unknown): unknown {
  // Every string in it, its cause's and any field the error carries included.
  if (!(value instanceof Error)) return scrubLogged(value);
  // pino writes the causes' messages after the error's own; graph-mcp's errors say their cause
  // in their message already, which then read twice ("...: connect ECONNREFUSED: connect ECONNREFUSED").
  const serialized = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
  if (typeof value.message === 'string' && value.message !== '' && typeof serialized.message === 'string' && serialized.message.startsWith(value.message)) {
    const rest = serialized.message.slice(value.message.length);
    const causes = rest.split(': ').filter((part) => part !== '');
    if (causes.every((cause) => value.message.includes(cause))) serialized.message = value.message;
  }
  return scrubLogged(serialized);
}
