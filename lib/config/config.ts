import { Ajv, type ErrorObject } from "ajv";
import {
  DEFAULT_RETENTION,
  EVIDENCE_CLASSES,
  type EvidenceClass,
  type RetentionPeriod,
} from "../core/retention.ts";
import { type RawConfig, RawConfigSchema } from "./schema.ts";

/** S3 Object Lock mode for every evidence bucket. */
export type ObjectLockMode = "COMPLIANCE" | "GOVERNANCE";

/** GitHub Actions OIDC trust for the pipeline role in each workload account. */
export interface GithubOidcConfig {
  /** `create` the account's OIDC provider, or `import` the one that already exists. */
  readonly provider: "create" | "import";
  /** Allowed `sub` claims (StringLike patterns), each naming its GitHub organization. */
  readonly subjects: readonly string[];
}

/** The validated configuration of one evidence plane, with every default applied. */
export interface EvidencePlaneConfig {
  /** Prefix of the few physical names that must be predictable (replica bucket, key alias). */
  readonly namePrefix: string;
  /** The evidence account: 12 digits. Nobody in a delivery account administers it. */
  readonly evidenceAccount: string;
  /** Region of the evidence stack, its bus, table, buckets and keys. */
  readonly region: string;
  /** Who may put events on the evidence bus: accounts, an organization, or both. */
  readonly producers: {
    readonly accounts: readonly string[];
    readonly organizationId?: string;
  };
  /** Roles that may assume the auditor role (pack API, public key, Verify). */
  readonly auditorPrincipals: readonly string[];
  /** Roles that administer the evidence keys (never use them) and read the audit trail. */
  readonly securityPrincipals: readonly string[];
  /** Object Lock retention per evidence class. */
  readonly retention: Readonly<Record<EvidenceClass, RetentionPeriod>>;
  /** COMPLIANCE unless GOVERNANCE is set explicitly (synth then warns). */
  readonly objectLockMode: ObjectLockMode;
  /** Where alarms go: emails subscribed to the plane's topic, and/or an existing topic. */
  readonly alarms: {
    readonly emails: readonly string[];
    readonly topicArn?: string;
  };
  /** Region of the Object Lock replica bucket, when cross-region replication is wanted. */
  readonly replicaRegion?: string;
  /** How long the bus archive keeps events for replay. */
  readonly busArchiveRetentionDays: number;
  /** Settings of the light stack deployed in each producer account. */
  readonly workloads: {
    readonly region: string;
    readonly githubOidc?: GithubOidcConfig;
    /** Whether IAM principals of the workload account (CodeBuild, runners) may assume the role. */
    readonly trustAccountPrincipals: boolean;
  };
}

/** A configuration that cannot be used: `problems` lists every field and what is wrong. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[], source = "the configuration") {
    super(
      `${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    this.problems = problems;
  }
}

const DEFAULT_NAME_PREFIX = "evidence-plane";
const DEFAULT_BUS_ARCHIVE_RETENTION_DAYS = 365;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
const validateRaw = ajv.compile<RawConfig>(RawConfigSchema);

/**
 * Validates a configuration object (parsed JSON) and applies the defaults.
 *
 * @throws ConfigError listing every problem, e.g. `evidenceAccount: expected 12 digits, found "1234"`.
 * @example
 * const config = parseConfig(JSON.parse(readFileSync("evidence-plane.config.json", "utf8")));
 */
export function parseConfig(raw: unknown, source?: string): EvidencePlaneConfig {
  const shapeValid = validateRaw(raw);
  const problems = [
    ...(shapeValid ? [] : schemaProblems(validateRaw.errors ?? [])),
    ...semanticProblems(raw),
  ];
  if (!shapeValid || problems.length > 0) throw new ConfigError(problems, source);
  return withDefaults(raw);
}

function withDefaults(raw: RawConfig): EvidencePlaneConfig {
  const retention = Object.fromEntries(
    EVIDENCE_CLASSES.map((evidenceClass) => [
      evidenceClass,
      { days: raw.retention?.[evidenceClass]?.days ?? DEFAULT_RETENTION[evidenceClass].days },
    ]),
  ) as Record<EvidenceClass, RetentionPeriod>;
  const githubOidc = raw.workloads?.githubOidc;
  return {
    namePrefix: raw.namePrefix ?? DEFAULT_NAME_PREFIX,
    evidenceAccount: raw.evidenceAccount,
    region: raw.region,
    producers: {
      accounts: raw.producers.accounts ?? [],
      ...(raw.producers.organizationId ? { organizationId: raw.producers.organizationId } : {}),
    },
    auditorPrincipals: raw.auditorPrincipals,
    securityPrincipals: raw.securityPrincipals,
    retention,
    objectLockMode: raw.objectLockMode ?? "COMPLIANCE",
    alarms: {
      emails: raw.alarms.emails ?? [],
      ...(raw.alarms.topicArn ? { topicArn: raw.alarms.topicArn } : {}),
    },
    ...(raw.replicaRegion ? { replicaRegion: raw.replicaRegion } : {}),
    busArchiveRetentionDays: raw.busArchiveRetentionDays ?? DEFAULT_BUS_ARCHIVE_RETENTION_DAYS,
    workloads: {
      region: raw.workloads?.region ?? raw.region,
      ...(githubOidc
        ? {
            githubOidc: {
              provider: githubOidc.provider ?? "create",
              subjects: githubOidc.subjects,
            },
          }
        : {}),
      trustAccountPrincipals: raw.workloads?.trustAccountPrincipals ?? githubOidc === undefined,
    },
  };
}

/** Rules that span fields. They also run when the shape is wrong, and read only fields of the right type. */
function semanticProblems(raw: unknown): string[] {
  if (!isObject(raw)) return ["(root): expected a configuration object"];
  const problems: string[] = [];
  const region = typeof raw.region === "string" ? raw.region : undefined;
  const producers = isObject(raw.producers) ? raw.producers : {};
  const accounts = Array.isArray(producers.accounts) ? producers.accounts : [];
  if (accounts.length === 0 && producers.organizationId === undefined) {
    problems.push("producers: expected at least one account or an organizationId, found neither");
  }
  accounts.forEach((account: unknown, index) => {
    if (account === raw.evidenceAccount) {
      problems.push(
        `producers.accounts[${index}]: expected a delivery account other than the evidence account, found "${account}" (evidence must live apart from the accounts that produce it)`,
      );
    }
  });
  const alarms = isObject(raw.alarms) ? raw.alarms : {};
  const emails = Array.isArray(alarms.emails) ? alarms.emails : [];
  if (emails.length === 0 && alarms.topicArn === undefined) {
    problems.push("alarms: expected at least one email or a topicArn, found neither");
  }
  if (typeof alarms.topicArn === "string" && region !== undefined) {
    const topicRegion = alarms.topicArn.split(":")[3];
    if (topicRegion !== undefined && topicRegion !== region) {
      problems.push(
        `alarms.topicArn: expected a topic in ${region} (alarms notify topics in their own region), found one in ${topicRegion}`,
      );
    }
  }
  if (raw.replicaRegion !== undefined && raw.replicaRegion === region) {
    problems.push(
      `replicaRegion: expected a region other than region (${region}), found "${region}"`,
    );
  }
  const workloads = raw.workloads;
  if (
    isObject(workloads) &&
    workloads.githubOidc === undefined &&
    workloads.trustAccountPrincipals === false
  ) {
    problems.push(
      "workloads: expected githubOidc or trustAccountPrincipals: true, found neither (nobody could assume the pipeline role)",
    );
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns Ajv's errors into one line per field: `path: expected X, found Y`. */
function schemaProblems(errors: readonly ErrorObject[]): string[] {
  const byPath = new Map<string, string>();
  for (const error of errors) {
    const [path, problem] = describe(error);
    if (!byPath.has(path)) byPath.set(path, problem);
  }
  return [...byPath.entries()].map(([path, problem]) => `${path}: ${problem}`);
}

function describe(error: ErrorObject): [path: string, problem: string] {
  const path = fieldPath(error.instancePath);
  const parent = error.parentSchema as
    | { description?: string; properties?: Record<string, { description?: string }> }
    | undefined;
  switch (error.keyword) {
    case "required": {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const expected = parent?.properties?.[missing]?.description ?? "a value";
      return [joinPath(path, missing), `expected ${expected}, found nothing (required)`];
    }
    case "additionalProperties": {
      const unknown = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(parent?.properties ?? {}).join(", ");
      return [joinPath(path, unknown), `unknown field (allowed here: ${allowed})`];
    }
    case "uniqueItems": {
      return [path, `expected distinct entries, found a repeat: ${show(error.data)}`];
    }
    default:
      return [path, `expected ${parent?.description ?? error.message}, found ${show(error.data)}`];
  }
}

function fieldPath(instancePath: string): string {
  if (instancePath === "") return "(root)";
  return instancePath
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce(
      (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : joinPath(path, segment)),
      "",
    );
}

function joinPath(path: string, field: string): string {
  return path === "" || path === "(root)" ? field : `${path}.${field}`;
}

function show(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
