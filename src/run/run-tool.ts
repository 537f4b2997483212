import type { CallToolResult } from '@modelcontextprotocol/server';
import { GraphMcpError, messageOf } from '../errors.js';
import type { GraphTool } from '../graphs/tool.js';
import { isAbortError, isInterruptWithoutCheckpointer, isRecursionLimitError } from './graph-errors.js';
import { streamWithProgress, type ProgressReporter } from './progress.js';
import { scrubText as redact, scrubValue } from './scrub.js';

export interface RunOptions {
  /** Aborts the run: the client disconnected or cancelled. No result is sent. */
  signal?: AbortSignal;
  /** Aborts the run because the server is stopping; the caller gets an error result. */
  stopSignal?: AbortSignal;
  /** Values merged into `config.configurable` (identity, credentials). */
  configurable?: Record<string, unknown>;
  /** Present when the caller asked for progress: the run is streamed. */
  progress?: ProgressReporter;
  /** Secrets handed to the run so far: scrubbed from whatever the run returns. */
  secretsUsed?: () => readonly string[];
}

/** Why a run ended without a result the caller should see. */
export class RunAbortedError extends Error {
  constructor() {
    super('the run was cancelled by the client');
    this.name = 'RunAbortedError';
  }
}

/**
 * Runs one tool call to completion and shapes its answer. Graph failures,
 * timeouts and bad output become `isError` results; only a run cancelled
 * by the caller rejects (with `RunAbortedError`), since nobody is left to
 * read its answer.
 */
export async function runTool(tool: GraphTool, args: unknown, options: RunOptions = {}): Promise<CallToolResult> {
  const argumentProblems = tool.validateArguments(args ?? {});
  if (argumentProblems.length > 0) {
    return errorResult(
      'INVALID_ARGUMENTS',
      `Invalid arguments for tool "${tool.name}":\n${argumentProblems.map((p) => `- ${p}`).join('\n')}`,
    );
  }

  const timeout = AbortSignal.timeout(tool.timeoutMs);
  const signals = [timeout, options.signal, options.stopSignal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length === 1 ? timeout : AbortSignal.any(signals);
  const config = {
    signal,
    recursionLimit: tool.recursionLimit,
    configurable: { ...options.configurable },
  };

  let state: unknown;
  try {
    const input = tool.toGraphInput((args ?? {}) as Record<string, unknown>);
    const run = options.progress ? streamWithProgress(tool, input, config, options.progress) : tool.graph.invoke(input, config);
    // A node that ignores its abort signal must not hold the call open.
    state = await untilAborted(run, signal);
  } catch (error) {
    if (options.signal?.aborted) throw new RunAbortedError();
    if (options.stopSignal?.aborted) {
      return errorResult('RUN_CANCELLED', `Tool "${tool.name}" was stopped: the server is shutting down. Try again.`);
    }
    if (timeout.aborted && (isAbortError(error) || signal.aborted)) {
      return errorResult('RUN_TIMEOUT', `Tool "${tool.name}" timed out after ${tool.timeoutMs} ms; the run was stopped.`);
    }
    if (isRecursionLimitError(error)) {
      return errorResult(
        'RECURSION_LIMIT',
        `Tool "${tool.name}" stopped: the graph reached its recursion limit of ${tool.recursionLimit} steps without finishing.`,
      );
    }
    if (isInterruptWithoutCheckpointer(error)) {
      return errorResult(
        'GRAPH_FAILED',
        `Tool "${tool.name}" failed: the graph asked for human input (interrupt()), which graph-mcp does not support yet.`,
      );
    }
    return errorResult('GRAPH_FAILED', `Tool "${tool.name}" failed: ${redact(messageOf(error), options.secretsUsed?.())}`);
  }

  let output: Record<string, unknown>;
  try {
    output = tool.fromGraphOutput(state);
  } catch (error) {
    return errorResult('OUTPUT_INVALID', `Tool "${tool.name}" produced output that cannot be shaped: ${redact(messageOf(error), options.secretsUsed?.())}`);
  }
  const outputProblems = tool.validateOutput(output);
  if (outputProblems.length > 0) {
    return errorResult(
      'OUTPUT_INVALID',
      `Tool "${tool.name}" produced output that does not match its output schema:\n${outputProblems.map((p) => `- ${p}`).join('\n')}`,
    );
  }
  const secrets = options.secretsUsed?.() ?? [];
  // A graph that echoes a credential it was given must not leak it.
  output = scrubValue(output, secrets);
  return {
    content: [{ type: 'text', text: JSON.stringify(output) }],
    structuredContent: output,
  };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function errorResult(code: GraphMcpError['code'], message: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    _meta: { 'graph-mcp/error': { code } },
  };
}
