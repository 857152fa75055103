import { parseKeyArn } from "./cloudtrail.ts";

/**
 * Who is expected to use which key, from where: the `--expect FILE` of `evidence key-usage`.
 *
 * @example
 * {
 *   "keys": ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
 *   "principals": {
 *     "Sign": ["arn:aws:iam::111122223333:role/EvidencePlane-Ingest*"],
 *     "Decrypt": ["arn:aws:iam::111122223333:role/EvidencePlane-Archive*"]
 *   },
 *   "accounts": ["111122223333"],
 *   "regions": ["eu-west-1"]
 * }
 */
export interface KeyUsageExpectations {
  /** Keys under review (ARNs or key ids); calls on other keys are left out. Default: every key seen. */
  readonly keys?: readonly KeyExpectation[];
  /**
   * Principals allowed to call each operation (ARN patterns, `*` matches any run of characters),
   * for every key. `Sign` and `Decrypt` are always checked; any other operation listed here is
   * checked too. Default: nobody, so each principal that signs or decrypts is reported once.
   */
  readonly principals?: Readonly<Record<string, readonly string[]>>;
  /** Accounts calls may come from. Default: the account that owns the key. */
  readonly accounts?: readonly string[];
  /** Regions calls may be made in. Default: the key's own Region. */
  readonly regions?: readonly string[];
  /** Keys whose Sign calls must all be matched to the ledger, besides the keys that signed it. */
  readonly signingKeys?: readonly string[];
  /**
   * Administrative calls that are routine, by operation: principal patterns whose calls are not
   * reported, for example `{"CreateGrant": ["arn:aws:iam::111122223333:role/*-ServiceRole*"]}`
   * for the grants AWS services create on a data key. Default: every administrative call is reported.
   */
  readonly administration?: Readonly<Record<string, readonly string[]>>;
}

/** A key under review, with principals that apply to it alone. */
export interface KeyExpectation {
  readonly key: string;
  readonly principals?: Readonly<Record<string, readonly string[]>>;
}

/** Operations checked against the allowed principals even when the file lists none for them. */
export const ALWAYS_CHECKED_OPERATIONS: readonly string[] = ["Sign", "Decrypt"];

/** An expectations file that cannot be used; the message names the field and what to write. */
export class ExpectationsError extends Error {
  override readonly name = "ExpectationsError";
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, path: string, check?: (s: string) => string | undefined) {
  if (!Array.isArray(value)) throw new ExpectationsError(path, "must be an array of strings");
  return value.map((item, index) => {
    if (typeof item !== "string" || item === "") {
      throw new ExpectationsError(`${path}[${index}]`, "must be a non-empty string");
    }
    const problem = check?.(item);
    if (problem) throw new ExpectationsError(`${path}[${index}]`, problem);
    return item;
  });
}

function principalMap(value: unknown, path: string): Record<string, string[]> {
  if (!isObject(value)) {
    throw new ExpectationsError(
      path,
      'must map operations to principal patterns, for example {"Sign": ["arn:aws:iam::111122223333:role/Ingest*"]}',
    );
  }
  const out: Record<string, string[]> = {};
  for (const [operation, list] of Object.entries(value)) {
    if (!/^(\*|[A-Z][A-Za-z]+)$/.test(operation)) {
      throw new ExpectationsError(
        `${path}.${operation}`,
        "is not a KMS operation name (Sign, Decrypt, GenerateDataKey...) or *",
      );
    }
    out[operation] = stringList(list, `${path}.${operation}`);
  }
  return out;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const KNOWN_FIELDS = new Set([
  "keys",
  "principals",
  "accounts",
  "regions",
  "signingKeys",
  "administration",
]);

/** Checks a parsed expectations document and returns it typed; unknown fields are refused. */
export function parseExpectations(document: unknown): KeyUsageExpectations {
  if (!isObject(document)) throw new ExpectationsError("$", "must be a JSON object");
  for (const field of Object.keys(document)) {
    if (!KNOWN_FIELDS.has(field)) {
      throw new ExpectationsError(
        `$.${field}`,
        `is not a known field (use ${[...KNOWN_FIELDS].join(", ")})`,
      );
    }
  }
  const out: {
    keys?: KeyExpectation[];
    principals?: Record<string, string[]>;
    accounts?: string[];
    regions?: string[];
    signingKeys?: string[];
    administration?: Record<string, string[]>;
  } = {};
  if (document.keys !== undefined) {
    if (!Array.isArray(document.keys)) {
      throw new ExpectationsError("$.keys", "must be an array of key ARNs or {key, principals}");
    }
    out.keys = document.keys.map((entry, index): KeyExpectation => {
      const path = `$.keys[${index}]`;
      if (typeof entry === "string" && entry !== "") return { key: entry };
      if (isObject(entry) && typeof entry.key === "string" && entry.key !== "") {
        return entry.principals === undefined
          ? { key: entry.key }
          : { key: entry.key, principals: principalMap(entry.principals, `${path}.principals`) };
      }
      throw new ExpectationsError(path, 'must be a key ARN or {"key": ARN, "principals": {...}}');
    });
  }
  if (document.principals !== undefined) {
    out.principals = principalMap(document.principals, "$.principals");
  }
  if (document.accounts !== undefined) {
    out.accounts = stringList(document.accounts, "$.accounts", (s) =>
      ACCOUNT.test(s) ? undefined : "must be a 12-digit AWS account id",
    );
  }
  if (document.regions !== undefined) {
    out.regions = stringList(document.regions, "$.regions", (s) =>
      REGION.test(s) ? undefined : "must be a Region name such as eu-west-1",
    );
  }
  if (document.signingKeys !== undefined) {
    out.signingKeys = stringList(document.signingKeys, "$.signingKeys");
  }
  if (document.administration !== undefined) {
    out.administration = principalMap(document.administration, "$.administration");
  }
  return out;
}

/** True when `keyArn` is `configured`, given as a full ARN or as the key id alone. */
export function keyMatches(configured: string, keyArn: string): boolean {
  if (configured === keyArn) return true;
  const parsed = parseKeyArn(keyArn);
  return parsed !== undefined && parsed.keyId === configured;
}

function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(value);
}

/** The expectations resolved for questions the review asks about one call row. */
export class Expectations {
  readonly config: KeyUsageExpectations;

  constructor(config: KeyUsageExpectations = {}) {
    this.config = config;
  }

  /** True when the key is under review. */
  covers(keyArn: string): boolean {
    const keys = this.config.keys;
    return keys === undefined || keys.some((k) => keyMatches(k.key, keyArn));
  }

  /** True when calls of `operation` are checked against allowed principals. */
  checks(keyArn: string, operation: string): boolean {
    if (ALWAYS_CHECKED_OPERATIONS.includes(operation)) return true;
    const keyPrincipals = this.keyEntry(keyArn)?.principals;
    return (
      this.config.principals?.[operation] !== undefined || keyPrincipals?.[operation] !== undefined
    );
  }

  /** True when `principal` may call `operation` on the key. */
  allows(keyArn: string, operation: string, principal: string): boolean {
    const lists = [
      this.keyEntry(keyArn)?.principals?.[operation],
      this.keyEntry(keyArn)?.principals?.["*"],
      this.config.principals?.[operation],
      this.config.principals?.["*"],
    ];
    return lists.some((list) => list?.some((pattern) => globMatches(pattern, principal)) ?? false);
  }

  /** True when an administrative call is listed as routine for this principal. */
  routine(operation: string, principal: string): boolean {
    const lists = [this.config.administration?.[operation], this.config.administration?.["*"]];
    return lists.some((list) => list?.some((pattern) => globMatches(pattern, principal)) ?? false);
  }

  /** Accounts allowed to call the key. */
  accountsFor(keyArn: string): readonly string[] {
    if (this.config.accounts) return this.config.accounts;
    const owner = parseKeyArn(keyArn)?.account;
    return owner ? [owner] : [];
  }

  /** Regions calls on the key may be made in. */
  regionsFor(keyArn: string): readonly string[] {
    if (this.config.regions) return this.config.regions;
    const region = parseKeyArn(keyArn)?.region;
    return region ? [region] : [];
  }

  /** True when the key's Sign calls must each be matched to a ledger signature. */
  isSigningKey(keyArn: string, ledgerKeys: ReadonlySet<string>): boolean {
    if (ledgerKeys.has(keyArn)) return true;
    return this.config.signingKeys?.some((k) => keyMatches(k, keyArn)) ?? false;
  }

  private keyEntry(keyArn: string): KeyExpectation | undefined {
    return this.config.keys?.find((k) => keyMatches(k.key, keyArn));
  }
}
