/**
 * A whole number written in decimal digits, from `min` to `max`, as given on
 * the command line or in the environment; `undefined` for anything else
 * (`Number()` alone would take "1e3", "0x10", " 8 " or "").
 */
export function integerOption(value: string, min: number, max: number): number | undefined {
  if (!/^-?\d{1,16}$/.test(value)) return undefined;
  const number = Number(value);
  return number >= min && number <= max ? number : undefined;
}
