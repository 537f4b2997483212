import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes `dir` and whatever of its parents is missing, each readable by this
 * user only (0700; an existing one keeps its mode). Level by level, not
 * `mkdir`'s `recursive`: on Node 20 that spins for ever at 100% CPU under a
 * pseudo-filesystem (`/proc/nope/store`), and a parent that is a file is
 * reported as EEXIST, which reads as if the store itself existed.
 */
export function makePrivateDirectory(dir: string): void {
  const missing: string[] = [];
  // The path as given, its parent taken by text: `current/../shared` is where the kernel goes
  // (after following `current`), which path.resolve would not keep.
  for (let at = dir; ; ) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(at).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      missing.push(at);
      const parent = path.dirname(at);
      if (parent === at) break;
      at = parent;
      continue;
    }
    if (!isDirectory) throw Object.assign(new Error(`${at} exists and is not a directory`), { code: 'ENOTDIR' });
    break;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      // Or a level that names one already there (`x/..`), or made meanwhile by another process starting beside this one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(level).isDirectory()) throw error;
    }
  }
}
