/** A problem a rule found, at a path relative to the event (`$.data.window.to`). */
export interface RuleViolation {
  readonly path: string;
  readonly expected: string;
  readonly found: string;
}
