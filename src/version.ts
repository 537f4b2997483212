import { createRequire } from 'node:module';

// src/version.ts and dist/version.js both sit one level below package.json.
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const PACKAGE_NAME = pkg.name;
export const VERSION = pkg.version;
