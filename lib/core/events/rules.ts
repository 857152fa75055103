import type { RuleViolation } from "./violation.ts";

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

/**
 * A violation when `later` is before `earlier` (equal instants pass): a summary's last call may
 * be its first.
 */
export function notBefore(
  later: { path: string; value: string },
  earlier: { path: string; value: string },
): RuleViolation | undefined {
  return Date.parse(later.value) >= Date.parse(earlier.value)
    ? undefined
    : {
        path: later.path,
        expected: `a time not before ${earlier.path} (${earlier.value})`,
        found: JSON.stringify(later.value),
      };
}

type ScopeWithWindow = { kind: string; from?: string; to?: string };

/** A window scope (of a legal hold or a pack) must end after it starts. */
function windowScopeRule(event: { data: { scope: ScopeWithWindow } }): RuleViolation | undefined {
  const scope = event.data.scope;
  if (scope.kind !== "window" || scope.from === undefined || scope.to === undefined) {
    return undefined;
  }
  return mustFollow(
    { path: "$.data.scope.to", value: scope.to },
    { path: "$.data.scope.from", value: scope.from },
  );
}

/** An exception expires after it was approved. */
export const EXCEPTION_APPROVED_RULES = [
  (event: { occurredAt: string; data: { expiresAt: string } }) =>
    mustFollow(
      { path: "$.data.expiresAt", value: event.data.expiresAt },
      { path: "$.occurredAt", value: event.occurredAt },
    ),
] as const;

/** A baseline is observed over a window that ends after it starts. */
export const MONITORING_BASELINE_RULES = [
  (event: { data: { observationWindow: { from: string; to: string } } }) =>
    mustFollow(
      { path: "$.data.observationWindow.to", value: event.data.observationWindow.to },
      { path: "$.data.observationWindow.from", value: event.data.observationWindow.from },
    ),
] as const;

/** A hold on a window covers a window that ends after it starts. */
export const LEGAL_HOLD_RULES = [windowScopeRule] as const;

/** A pack of a window covers a window that ends after it starts. */
export const PACK_GENERATED_RULES = [windowScopeRule] as const;

/** A summary's last call is not before its first, and its part is one of its parts. */
export const KEY_USAGE_SUMMARIZED_RULES = [
  (event: { data: { firstCall: string; lastCall: string } }) =>
    notBefore(
      { path: "$.data.lastCall", value: event.data.lastCall },
      { path: "$.data.firstCall", value: event.data.firstCall },
    ),
  (event: { data: { batch: { part: number; parts: number } } }) =>
    event.data.batch.part <= event.data.batch.parts
      ? undefined
      : {
          path: "$.data.batch.part",
          expected: `at most $.data.batch.parts (${event.data.batch.parts})`,
          found: String(event.data.batch.part),
        },
] as const;

type AnyRule = (event: never) => RuleViolation | undefined;

/** The rules of every type that has some; the schema definitions and the validator share them. */
const RULES_BY_TYPE: Readonly<Record<string, readonly AnyRule[]>> = {
  "exception.approved": EXCEPTION_APPROVED_RULES,
  "monitoring.baseline": MONITORING_BASELINE_RULES,
  "legal-hold.applied": LEGAL_HOLD_RULES,
  "legal-hold.released": LEGAL_HOLD_RULES,
  "pack.generated": PACK_GENERATED_RULES,
  "key-usage.summarized": KEY_USAGE_SUMMARIZED_RULES,
};

/** Runs the rules of `type` on an event that already matches that type's schema. */
export function checkRules(type: string, event: unknown): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const rule of RULES_BY_TYPE[type] ?? []) {
    const violation = (rule as (event: unknown) => RuleViolation | undefined)(event);
    if (violation !== undefined) violations.push(violation);
  }
  return violations;
}
