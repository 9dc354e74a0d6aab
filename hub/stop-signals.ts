// One stop for every SIGINT/SIGTERM a process gets: the first asks it, later ones are told and go no further.

/**
 * Calls `stop` at the first SIGINT or SIGTERM and `again` at every later one. The listeners stay: a listener taken off
 * after the first signal (`process.once`) leaves the next to Node's default, which ends the process mid-stop, and one
 * Ctrl-C on `npm start` or `npm run ...` is two SIGINTs (the terminal's to the process group and the one npm passes
 * on), as is a second Ctrl-C pressed while the stop runs (review, sessions 67 and 68).
 */
export function onStopSignals(
  stop: (signal: NodeJS.Signals) => void,
  again: (signal: NodeJS.Signals) => void = () => undefined,
): void {
  let asked = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (asked) {
      again(signal);
      return;
    }
    asked = true;
    stop(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
}
