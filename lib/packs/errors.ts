/** Why a pack or legal-hold request failed; the API maps each code to one HTTP status. */
export type PackServiceErrorCode =
  | "invalid-request"
  | "unauthenticated"
  | "not-found"
  | "not-ready"
  | "conflict"
  | "same-principal"
  | "nothing-in-scope";

/** HTTP status of each failure, used only at the API's edge. */
export const HTTP_STATUS: Record<PackServiceErrorCode, number> = {
  "invalid-request": 400,
  unauthenticated: 403,
  "not-found": 404,
  "not-ready": 409,
  conflict: 409,
  "same-principal": 403,
  "nothing-in-scope": 404,
};

/** A request the pack service refuses; the message says what to do instead. */
export class PackServiceError extends Error {
  override readonly name = "PackServiceError";
  readonly code: PackServiceErrorCode;

  constructor(code: PackServiceErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
