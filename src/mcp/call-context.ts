import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  MissingRequiredClientCapabilityError,
  PROTOCOL_VERSION_META_KEY,
  type ClientCapabilities,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { GraphTool } from '../graphs/tool.js';
import type { LogReporter } from '../run/log.js';
import { scrubText, scrubValue } from '../run/scrub.js';

/** The per-request `_meta` envelope (its reserved `io.modelcontextprotocol/*` keys), as received. */
function envelopeOf(ctx: ServerContext): Record<string, unknown> | undefined {
  return ctx.mcpReq.envelope as Record<string, unknown> | undefined;
}

/** A 2026-07-28 request carries its protocol version in the envelope. */
function isModern(ctx: ServerContext): boolean {
  return envelopeOf(ctx)?.[PROTOCOL_VERSION_META_KEY] !== undefined;
}

/**
 * Refuses a 2026-07-28 call whose client did not declare a capability the
 * tool requires (`client_capabilities`), with `-32021` (HTTP 400) naming
 * the missing ones. A 2025-era call served statelessly declares no
 * capabilities per request, so it is not checked.
 */
export function assertClientCapabilities(tool: GraphTool, ctx: ServerContext): void {
  const required = tool.requiredClientCapabilities;
  if (required === undefined || !isModern(ctx)) return;
  const declared = (envelopeOf(ctx)?.[CLIENT_CAPABILITIES_META_KEY] ?? {}) as Record<string, unknown>;
  const missing = Object.fromEntries(Object.entries(required).filter(([name, sub]) => !covers(declared[name], sub)));
  if (Object.keys(missing).length > 0) {
    throw new MissingRequiredClientCapabilityError(
      { requiredCapabilities: missing as ClientCapabilities },
      `Tool "${tool.name}" requires client capabilities: ${Object.keys(missing).join(', ')}`,
    );
  }
}

/** A declared capability covers a required one when it holds every sub-capability the tool names. */
function covers(declared: unknown, required: Record<string, unknown>): boolean {
  if (declared === null || typeof declared !== 'object') return false;
  return Object.keys(required).every((key) => (declared as Record<string, unknown>)[key] !== undefined);
}

/**
 * Where a run's log messages go: the SDK's per-request logger, which on
 * 2026-07-28 honours `_meta`'s log level and sends nothing without one.
 * `undefined` when nothing would be sent, so the run is not streamed for it.
 */
export function logReporterFor(ctx: ServerContext, secretsUsed: (() => readonly string[]) | undefined): LogReporter | undefined {
  if (isModern(ctx) && envelopeOf(ctx)?.[LOG_LEVEL_META_KEY] === undefined) return undefined;
  return (entry) => {
    const secrets = secretsUsed?.();
    return ctx.mcpReq.log(entry.level, scrubValue(entry.data, secrets), entry.logger === undefined ? undefined : scrubText(entry.logger, secrets));
  };
}
