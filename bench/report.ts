// Printing: fixed-width tables and ratios of requests/s.
import { median, type Figures, type RoundFigures } from './load.js';

const LABEL_WIDTH = 48;

export const HEADER = `${'setup'.padEnd(LABEL_WIDTH)} ${'req/s'.padStart(8)} ${'spread'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'cpu ms'.padStart(7)}`;

export function row(label: string, f: Figures): string {
  return `${label.padEnd(LABEL_WIDTH)} ${f.rps.toFixed(0).padStart(8)} ${spread(f).padStart(7)} ${ms(f.p50).padStart(8)} ${ms(f.p99).padStart(8)} ${cpu(f).padStart(7)}${errors(f)}`;
}

/** A table of setups, one row each, under the header. */
export function printTable(rows: ReadonlyArray<readonly [label: string, figures: Figures]>): void {
  console.log(HEADER);
  for (const [label, figures] of rows) console.log(row(label, figures));
}

/** Compact figures for a wider table: req/s, spread, p50, p99. */
export function cells(f: Figures): string {
  return `${f.rps.toFixed(0).padStart(8)} ${spread(f).padStart(7)} ${ms(f.p50).padStart(6)} ${ms(f.p99).padStart(6)}${errors(f)}`;
}

export const CELLS_HEADER = `${'req/s'.padStart(8)} ${'spread'.padStart(7)} ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)}`;

export const SPREAD_NOTE = [
  'spread: (max - min) / median of req/s across the rounds',
  'ratios: the median of the rounds\' own ratios (the two setups measured in the same round), then the lowest and highest round; a range that holds 1 is a tie',
].join('\n');

export function ratio(label: string, a: Figures, b: Figures, note = ''): string {
  return ratioLine(label, byRound(a, b, (x, y) => x.rps / y.rps), note);
}

/** `b`'s CPU per call over `a`'s: the rate `a` would reach against `b` were CPU all that limited both. */
export function cpuRatio(label: string, a: Figures, b: Figures, note = ''): string {
  return ratioLine(
    label,
    byRound(a, b, (x, y) => (x.cpuMs === undefined || y.cpuMs === undefined ? Number.NaN : y.cpuMs / x.cpuMs)),
    note,
  );
}

/**
 * `a`'s p50 less `b`'s in ms, round by round like a ratio: the median, then
 * the lowest and highest round (of the medians, for figures not measured
 * in one `interleaved` call).
 */
export function p50Difference(a: Figures, b: Figures): string {
  const values = byRound(a, b, (x, y) => x.p50 - y.p50);
  if (values.length === 0) return '-';
  const range = values.length > 1 ? ` (${Math.min(...values).toFixed(3)} to ${Math.max(...values).toFixed(3)})` : '';
  return `${median(values).toFixed(3)} ms${range}`;
}

/**
 * `of(a, b)` in each round, where one `interleaved` call measured both; else
 * of their medians (figures measured once, or in separate calls).
 */
function byRound(a: Figures, b: Figures, of: (a: RoundFigures, b: RoundFigures) => number): number[] {
  const paired = a.rounds !== undefined && a.rounds.run === b.rounds?.run && a.rounds.each.length > 1;
  const values = paired ? a.rounds!.each.map((round, i) => of(round, b.rounds!.each[i]!)) : [of(a, b)];
  return values.every(Number.isFinite) ? values : [];
}

function ratioLine(label: string, values: number[], note: string): string {
  if (values.length === 0) return `  ${label.padEnd(LABEL_WIDTH)}      -`;
  const range = values.length > 1 ? `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}` : '';
  return `  ${label.padEnd(LABEL_WIDTH)} ${median(values).toFixed(2).padStart(6)} ${range.padStart(9)}${note ? `  ${note}` : ''}`;
}

const spread = (f: Figures) => (f.spread === undefined ? '' : `${f.spread.toFixed(0)}%`);
const cpu = (f: Figures) => (f.cpuMs === undefined ? '' : f.cpuMs.toFixed(2));
const errors = (f: Figures) => (f.errors ? `  (${f.errors} errors)` : '');
// autocannon records whole milliseconds; in-process timings keep their fraction.
const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
