// A comparison server in a process of its own: `v1` (hand-written v1 SDK
// server) or `bare` (bare Express). Prints {"url":"…"} once it listens.
import { startBareExpress, startV1HandWritten } from './servers.js';

const kind = process.argv[2];
const server = kind === 'v1' ? await startV1HandWritten() : kind === 'bare' ? await startBareExpress() : undefined;
if (!server) throw new Error(`server-main: unknown server "${kind}" (v1 or bare)`);
console.log(JSON.stringify({ url: server.url }));
