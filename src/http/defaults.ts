// Where `serve` listens when not told: apart from serve.ts, so the command line
// can name them without loading the server.
export const DEFAULT_PORT = 8123;
export const DEFAULT_HOST = '127.0.0.1';
