/**
 * CloudTrail records of AWS KMS calls, reduced to what a key-usage review needs.
 *
 * Input is the record exactly as CloudTrail writes it (in the `Records` array of a log file
 * delivered to S3, or as the `detail` of an "AWS API Call via CloudTrail" EventBridge event).
 * Everything is read defensively: a record that is not a KMS call on a key yields `undefined`,
 * never an exception, because log files mix every service's events.
 */

/** One KMS API call on one key, as the review sees it. */
export interface KmsCall {
  /** CloudTrail `eventID`: unique per record, used to drop duplicate deliveries. */
  readonly eventId: string;
  /** KMS request id (CloudTrail `requestID`): what a signature's `requestId` is matched against. */
  readonly requestId?: string;
  /** When KMS handled the call (RFC 3339, UTC). */
  readonly eventTime: string;
  /** KMS operation (`eventName`): Sign, Decrypt, PutKeyPolicy... */
  readonly operation: string;
  /** ARN of the key the call used (resolved from a key id or ARN when CloudTrail lists no resource). */
  readonly keyArn: string;
  /** Who called, normalized so that every session of one role counts as that role (see {@link principalOf}). */
  readonly principal: string;
  /** CloudTrail `userIdentity.type`: AssumedRole, IAMUser, Root, AWSService... */
  readonly principalType: string;
  /** Role session name, when the caller used a role session. */
  readonly sessionName?: string;
  /** Account of the calling principal (`userIdentity.accountId`, else the recipient account). */
  readonly sourceAccount: string;
  /** Region the call was made in (`awsRegion`). */
  readonly region: string;
  /** `errorCode` of a failed call. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly sourceIp?: string;
  /** True when CloudTrail marks the call read-only (cryptographic operations and reads). */
  readonly readOnly?: boolean;
  /** Parameters worth showing a reviewer for administrative calls (grantee, waiting period...). */
  readonly detail?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/.+$/;

/** Partition of a Region: `aws`, `aws-cn` or `aws-us-gov`. */
function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The account and Region in a KMS key ARN, or undefined when `arn` is not one. */
export function parseKeyArn(
  arn: string,
): { partition: string; region: string; account: string; keyId: string } | undefined {
  const match = KEY_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition = "", region = "", account = "", keyId = ""] = match;
  return { partition, region, account, keyId };
}

/**
 * The key ARN a record is about. CloudTrail lists the key in `resources` for most KMS calls;
 * failed calls and older records may only carry `requestParameters.keyId`, which can be a bare
 * key id (made into an ARN with the record's Region and recipient account) or an alias.
 */
function keyArnOf(record: Obj, region: string, account: string | undefined): string | undefined {
  const resources = Array.isArray(record.resources) ? record.resources : [];
  for (const resource of resources) {
    const arn = isObject(resource) ? str(resource.ARN) : undefined;
    if (arn && KEY_ARN.test(arn)) return arn;
  }
  const response = isObject(record.responseElements) ? record.responseElements : {};
  const responseKey = str(response.keyId);
  if (responseKey && KEY_ARN.test(responseKey)) return responseKey;
  const request = isObject(record.requestParameters) ? record.requestParameters : {};
  const requestKey = str(request.keyId) ?? str(request.sourceKeyId);
  if (!requestKey) return undefined;
  if (KEY_ARN.test(requestKey) || ALIAS_ARN.test(requestKey)) return requestKey;
  if (!account) return undefined;
  const resourcePath = requestKey.startsWith("alias/") ? requestKey : `key/${requestKey}`;
  return `arn:${partitionOf(region)}:kms:${region}:${account}:${resourcePath}`;
}

/**
 * Who made a call, in the form a reviewer writes in the expectations file:
 * - a role session (`AssumedRole`): the role ARN (`arn:aws:iam::<account>:role/<path/name>`),
 *   so that every Lambda invocation or CI job of one role is one principal;
 * - an IAM user, the root user or a federated user: its ARN;
 * - an AWS service acting by itself (`AWSService`): the service name, for example
 *   `cloudtrail.amazonaws.com`;
 * - another account with no further identity (`AWSAccount`): `account:<accountId>`.
 */
export function principalOf(identity: unknown): { principal: string; sessionName?: string } {
  if (!isObject(identity)) return { principal: "unknown" };
  const type = str(identity.type);
  const arn = str(identity.arn);
  if (type === "AssumedRole") {
    const context = isObject(identity.sessionContext) ? identity.sessionContext : {};
    const issuer = isObject(context.sessionIssuer) ? context.sessionIssuer : {};
    const session = arn ? /:assumed-role\/[^/]+\/(.+)$/.exec(arn)?.[1] : undefined;
    const issuerArn = str(issuer.arn);
    const roleArn =
      issuerArn ??
      (arn
        ? arn.replace(
            /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.*$/,
            "arn:$1:iam::$2:role/$3",
          )
        : undefined);
    if (roleArn)
      return session ? { principal: roleArn, sessionName: session } : { principal: roleArn };
  }
  if (arn) return { principal: arn };
  const invokedBy = str(identity.invokedBy);
  if (invokedBy) return { principal: invokedBy };
  const account = str(identity.accountId);
  if (account) return { principal: `account:${account}` };
  const principalId = str(identity.principalId);
  return { principal: principalId ? `${type ?? "unknown"}:${principalId}` : (type ?? "unknown") };
}

function detailOf(operation: string, request: Obj): KmsCall["detail"] {
  const detail: Record<string, string | number | boolean | readonly string[]> = {};
  const pick = (name: string) => {
    const value = request[name];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      detail[name] = value;
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      detail[name] = value as string[];
    }
  };
  switch (operation) {
    case "CreateGrant":
      for (const name of ["granteePrincipal", "retiringPrincipal", "operations", "name"])
        pick(name);
      break;
    case "ScheduleKeyDeletion":
      pick("pendingWindowInDays");
      break;
    case "PutKeyPolicy":
      pick("policyName");
      pick("bypassPolicyLockoutSafetyCheck");
      break;
    case "CreateAlias":
    case "UpdateAlias":
    case "DeleteAlias":
      pick("aliasName");
      pick("targetKeyId");
      break;
    case "RetireGrant":
    case "RevokeGrant":
      pick("grantId");
      break;
    default:
      return undefined;
  }
  return Object.keys(detail).length > 0 ? detail : undefined;
}

/**
 * Reads one CloudTrail record (or an EventBridge "AWS API Call via CloudTrail" event, whose
 * `detail` is the record) and returns the KMS call it describes, or undefined when it is not a
 * KMS call on a key (another service's event, ListKeys, CreateKey...).
 */
export function kmsCallFrom(input: unknown): KmsCall | undefined {
  const record = isObject(input) && isObject(input.detail) ? input.detail : input;
  if (!isObject(record) || record.eventSource !== "kms.amazonaws.com") return undefined;
  const eventId = str(record.eventID);
  const eventTime = str(record.eventTime);
  const operation = str(record.eventName);
  const region = str(record.awsRegion);
  if (!eventId || !eventTime || !operation || !region) return undefined;
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  const recipient = str(record.recipientAccountId);
  const keyArn = keyArnOf(record, region, recipient ?? str(identity.accountId));
  if (!keyArn) return undefined;
  const { principal, sessionName } = principalOf(identity);
  const request = isObject(record.requestParameters) ? record.requestParameters : {};
  const call: {
    -readonly [K in keyof KmsCall]: KmsCall[K];
  } = {
    eventId,
    eventTime,
    operation,
    keyArn,
    principal,
    principalType: str(identity.type) ?? "unknown",
    sourceAccount:
      str(identity.accountId) ?? recipient ?? parseKeyArn(keyArn)?.account ?? "unknown",
    region,
  };
  const requestId = str(record.requestID);
  if (requestId) call.requestId = requestId;
  if (sessionName) call.sessionName = sessionName;
  const errorCode = str(record.errorCode);
  if (errorCode) call.errorCode = errorCode;
  const errorMessage = str(record.errorMessage);
  if (errorMessage) call.errorMessage = errorMessage;
  const sourceIp = str(record.sourceIPAddress);
  if (sourceIp) call.sourceIp = sourceIp;
  if (typeof record.readOnly === "boolean") call.readOnly = record.readOnly;
  const detail = detailOf(operation, request);
  if (detail) call.detail = detail;
  return call;
}

/**
 * The records of a CloudTrail log file (`{"Records":[...]}`), or undefined when the document is
 * not one (a CloudTrail digest file, for example, has no `Records`).
 */
export function recordsOfLogFile(document: unknown): unknown[] | undefined {
  return isObject(document) && Array.isArray(document.Records) ? document.Records : undefined;
}
