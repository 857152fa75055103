import type { RuleViolation } from "./envelope.ts";

function instant(timestamp: string): number | undefined {
  const value = Date.parse(timestamp);
  return Number.isNaN(value) ? undefined : value;
}

/**
 * A violation when `later` is not strictly after `earlier`: an empty or inverted window would
 * silently cover nothing (a legal hold that holds nothing, a baseline observed for no time).
 * Both values already match the timestamp schema; leap seconds, which Date cannot read, pass.
 */
export function mustFollow(
  later: { path: string; value: string },
  earlier: { path: string; value: string },
): RuleViolation | undefined {
  const end = instant(later.value);
  const start = instant(earlier.value);
  if (end === undefined || start === undefined || end > start) return undefined;
  return {
    path: later.path,
    expected: `a time after ${earlier.path} (${earlier.value})`,
    found: JSON.stringify(later.value),
  };
}
