import type { GraphTool } from '../graphs/tool.js';
import { logEntryOf, type LogReporter } from './log.js';

export interface ProgressUpdate {
  /** Increases with every update: completed nodes, plus a fraction for messages within a step. */
  progress: number;
  /** The number of node completions the run will make, when the graph's shape fixes it. */
  total?: number;
  message?: string;
}

/** Receives progress; a rejected send (the client went away) does not stop the run here. */
export type ProgressReporter = (update: ProgressUpdate) => Promise<void> | void;

/**
 * Streams the graph instead of invoking it: one progress update per
 * completed node (`updates` mode), one per message a node writes through
 * LangGraph's custom stream writer (`custom` mode), and the final state
 * from the last `values` chunk, so the graph runs once. Interrupts arrive
 * one `updates` chunk each (parallel nodes pause separately): all are kept.
 * Custom chunks with a `log` field go to `log` instead (see `log.ts`).
 */
export async function streamWithProgress(
  tool: GraphTool,
  input: unknown,
  config: Record<string, unknown>,
  report: ProgressReporter | undefined,
  log?: LogReporter,
): Promise<{ state: unknown; interrupts: unknown[] }> {
  const interrupts: unknown[] = [];
  const stream = await tool.graph.stream(input, { ...config, streamMode: ['updates', 'custom', 'values'] });
  let finalState: unknown;
  let completed = 0;
  let withinStep = 0;
  const send = async (update: ProgressUpdate) => {
    try {
      await report?.(update);
    } catch {
      // The run's own signal decides whether the run goes on.
    }
  };
  for await (const chunk of stream) {
    if (!Array.isArray(chunk) || chunk.length !== 2) continue;
    const [mode, data] = chunk as [string, unknown];
    if (mode === 'values') {
      finalState = data;
    } else if (mode === 'updates' && data !== null && typeof data === 'object') {
      const paused = (data as Record<string, unknown>).__interrupt__;
      if (Array.isArray(paused)) interrupts.push(...paused);
      for (const node of Object.keys(data)) {
        if (node.startsWith('__')) continue; // __interrupt__ and other internal keys
        completed += 1;
        withinStep = 0;
        await send({ progress: completed, ...totalOf(tool), message: node });
      }
    } else if (mode === 'custom') {
      // A log message, whether or not this caller takes them (a 2026-07-28 call without a level does not): never progress.
      const entry = logEntryOf(data);
      if (entry) {
        try {
          await log?.(entry);
        } catch {
          // As for progress: a client that went away does not stop the run here.
        }
        continue;
      }
      const message = customMessage(data);
      if (message === undefined) continue;
      withinStep += 1;
      // Stays below the next whole step: completed + 1/2, 2/3, 3/4, ...
      await send({ progress: completed + withinStep / (withinStep + 1), ...totalOf(tool), message });
    }
  }
  return { state: finalState, interrupts };
}

/**
 * Renumbers a sequence of updates that may start again (a run resumed after
 * a question, or continued after a crash, counts its nodes from nothing)
 * so that each is above the one before, as MCP requires of a progress
 * token's notifications: an update at or below the last is moved up past
 * it, and those after it with it.
 */
export function risingProgress(): (update: ProgressUpdate) => ProgressUpdate {
  let last = Number.NEGATIVE_INFINITY;
  let offset = 0;
  return (update) => {
    // Moved by whole steps, so a whole step stays whole and a message's fraction stays a fraction.
    if (update.progress + offset <= last) {
      offset = Math.floor(last) - Math.floor(update.progress);
      if (update.progress + offset <= last) offset += 1;
    }
    last = update.progress + offset;
    return offset === 0 ? update : { ...update, progress: last };
  };
}

function totalOf(tool: GraphTool): { total?: number } {
  return tool.progressTotal === undefined ? {} : { total: tool.progressTotal };
}

/** A custom chunk becomes a message when it is a string or carries a string `message`. */
function customMessage(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data !== null && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return undefined;
}
