// The shape of validators.js, which scripts/generate-validators.ts writes.
import type { SchemaError, SchemaValidator } from "../dispatch.ts";

export type { SchemaError, SchemaValidator };
/** The compiled validator of each event type, by type, in catalogue order. */
export const validators: Readonly<Record<string, SchemaValidator>>;
/** Each type's JSON Schema as compiled: issues are worded from it. */
export const schemas: Readonly<Record<string, object>>;
/** Every field pattern with its words and whether those say how long a match is. */
export const patterns: ReadonlyArray<readonly [string, string, boolean]>;
