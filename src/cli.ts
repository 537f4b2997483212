#!/usr/bin/env node
// The `graph-mcp` bin. The young generation is held small before anything
// else loads (young-generation.ts says why): a static import of the command
// would parse its whole module graph first, and that alone grew it.
import { holdYoungGeneration } from './http/young-generation.js';

holdYoungGeneration();
await import('./command.js');
