// A comparison server in a process of its own: `v1` (hand-written v1 SDK
// server), `bare` (bare Express) or `bare-graph` (bare Express calling
// graph.invoke). Prints {"url":"…"} once it listens.
import { startBareExpress, startBareGraph, startV1HandWritten } from './servers.js';

const kind = process.argv[2];
const starters: Record<string, () => ReturnType<typeof startBareExpress>> = { v1: startV1HandWritten, bare: startBareExpress, 'bare-graph': startBareGraph };
const server = kind !== undefined && Object.hasOwn(starters, kind) ? await starters[kind]!() : undefined;
if (!server) throw new Error(`server-main: unknown server "${kind}" (v1, bare or bare-graph)`);
console.log(JSON.stringify({ url: server.url }));
