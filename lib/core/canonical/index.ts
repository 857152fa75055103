export { canonicalBytes, canonicalize } from "./canonicalize.ts";
export {
  CanonicalInputError,
  type CanonicalInputErrorCode,
  childPath,
  quoteForDisplay,
} from "./errors.ts";
export type { JsonObject, JsonValue } from "./json-value.ts";
export { MAX_NESTING_DEPTH, strictParse } from "./strict-parse.ts";
