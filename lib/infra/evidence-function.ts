import { type Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRICS_NAMESPACE } from "../config/layout.ts";
import { BUNDLE_SETTINGS, PROJECT_ROOT } from "./bundling.ts";
import { grantDataKey } from "./keys.ts";
import { deadLetterQueue } from "./queues.ts";

/** The runtime every handler runs on: the Node major the tests and the local plane run on. */
export const EVIDENCE_RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface EvidenceFunctionProps {
  /** Absolute path of the handler file (functions/<name>.ts). */
  readonly entry: string;
  /**
   * Exported handler name.
   * @default "handler"
   */
  readonly handler?: string;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME: the `service` of every log line and metric. */
  readonly serviceName: string;
  /** Explicit: no function runs on the 3-second default. */
  readonly timeout: Duration;
  /** Explicit, in MB. */
  readonly memorySize: number;
  /**
   * Added to the defaults (NODE_OPTIONS, POWERTOOLS_*); a key given here wins over a default,
   * except NODE_OPTIONS, which keeps --enable-source-maps and appends the caller's options.
   * @default - the defaults only
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Encrypts the log group and the dead-letter queue. */
  readonly dataKey: kms.IKey;
  /**
   * Log retention; the log group is created here, encrypted and retained.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /** Caps concurrency (and so cost) and keeps capacity reserved for the plane. */
  readonly reservedConcurrentExecutions: number;
  /**
   * Where failed asynchronous invocations go.
   * @default - a new encrypted queue
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

const DEFAULT_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_OPTIONS: "--enable-source-maps",
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_LOG_LEVEL: "INFO",
  POWERTOOLS_LOGGER_LOG_EVENT: "false",
};

/**
 * The defaults merged with the caller's environment: the caller adds to the defaults and wins
 * on a shared key; NODE_OPTIONS keeps source maps on whatever the caller adds.
 */
export function mergeEnvironment(
  serviceName: string,
  environment: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const merged: Record<string, string> = {
    ...DEFAULT_ENVIRONMENT,
    POWERTOOLS_SERVICE_NAME: serviceName,
    ...environment,
  };
  const callerOptions = environment.NODE_OPTIONS;
  if (callerOptions !== undefined && !callerOptions.includes("--enable-source-maps")) {
    merged.NODE_OPTIONS = `--enable-source-maps ${callerOptions}`.trim();
  }
  return merged;
}

/**
 * Every Lambda function of the plane: Node 22 on ARM64, an esbuild ESM bundle (minified,
 * source maps; SDK clients from the runtime, see BUNDLE_SETTINGS), active tracing, JSON logs into an encrypted log group with
 * retention, a dead-letter queue, reserved concurrency, and its own role that starts with
 * nothing but its log group and X-Ray.
 *
 * @example
 * const ingest = new EvidenceFunction(this, "Ingest", {
 *   entry: handlerEntry("ingest"), description: "Validates, signs and appends evidence",
 *   serviceName: "evidence-ingest", timeout: Duration.seconds(30), memorySize: 512,
 *   dataKey, reservedConcurrentExecutions: 5, environment: { EVENT_TABLE: table.tableName },
 * });
 */
export class EvidenceFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: EvidenceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "Logs", {
      encryptionKey: props.dataKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);
    this.deadLetterQueue =
      props.deadLetterQueue ?? deadLetterQueue(this, "DeadLetters", props.dataKey);
    // Lambda's own DLQ grant covers sqs:SendMessage only; the queue is encrypted.
    grantDataKey(props.dataKey, this.role, "write");

    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: props.handler ?? "handler",
      description: props.description,
      runtime: EVIDENCE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      deadLetterQueue: this.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: mergeEnvironment(props.serviceName, props.environment),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: BUNDLE_SETTINGS.target,
        minify: BUNDLE_SETTINGS.minify,
        sourceMap: BUNDLE_SETTINGS.sourcemap,
        mainFields: [...BUNDLE_SETTINGS.mainFields],
        banner: BUNDLE_SETTINGS.banner,
        externalModules: [...BUNDLE_SETTINGS.external],
      },
    });

    Validations.of(this).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Resource * appears only for actions AWS does not scope by resource: X-Ray PutTraceSegments and PutTelemetryRecords, and for a stream consumer dynamodb:ListStreams (test/infra/policies.test.ts holds every template to that list).",
    });
  }

  /** Adds a statement to this function's role (the only way its permissions grow). */
  addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }
}
