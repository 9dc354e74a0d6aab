// The measuring scripts' numeric options (`--events 10000`), read the same way in each: a value that is not a positive
// whole number (or, for `positiveNumber`, a positive number) stops the script with the option's name.

/** The whole number after `name` in `argv`, or `fallback` when `name` is absent; throws unless it is 1 or more. */
export function positiveInteger(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** The number after `name` in `argv`, or `fallback` when `name` is absent; throws unless it is above 0. */
export function positiveNumber(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
