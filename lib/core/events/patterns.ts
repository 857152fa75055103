/** A pattern in words, and whether those words already say how long a match is. */
export interface PatternDescription {
  /** Read as "expected <text>". */
  readonly text: string;
  readonly lengthImplied: boolean;
}

const patternDescriptions = new Map<string, PatternDescription>();

/**
 * What a value matching `pattern` looks like, in words, for validation messages.
 * Undefined for patterns no field registered.
 */
export function describePattern(pattern: string): PatternDescription | undefined {
  return patternDescriptions.get(pattern);
}

/** Records the words for `pattern`: the field schemas at definition, the validators at load. */
export function registerPattern(pattern: string, text: string, lengthImplied = false): void {
  patternDescriptions.set(pattern, { text, lengthImplied });
}

/** Every registered pattern and its words, for the generated validators. */
export function registeredPatterns(): ReadonlyMap<string, PatternDescription> {
  return patternDescriptions;
}
