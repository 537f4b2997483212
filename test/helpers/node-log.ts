// The file that the fixture graph `logged` (test/fixtures/graphs/hitl.ts) appends to from
// whichever process runs it: which nodes ran, which ran twice, which were stopped.
import { readFile } from 'node:fs/promises';

/** Its lines ("<label> <node> start", "<label> <node>" at its end, "<label> <node> aborted"), only those of `label` if given. */
export async function nodeLog(file: string, label?: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  return label === undefined ? lines : lines.filter((line) => line.startsWith(`${label} `));
}
