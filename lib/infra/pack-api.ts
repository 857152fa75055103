import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sources from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import type { EvidencePlaneConfig } from "../config/config.ts";
import { EVIDENCE_SOURCE_PREFIX } from "../config/layout.ts";
import { Reference } from "../core/events/fields.ts";
import { acknowledgeSqsEventSource, inEveryCompliancePack } from "./acknowledgements.ts";
import type { HandlerEntries } from "./bundling.ts";
import type { EventTable } from "./event-table.ts";
import { EvidenceFunction } from "./evidence-function.ts";
import { pipelineEnvironment } from "./ingest.ts";
import type { EvidenceKeys } from "./keys.ts";
import type { Monitoring } from "./monitoring.ts";
import { WorkQueue } from "./queues.ts";
import type { LockedBucket } from "./storage.ts";

/** The stage every route is served from. */
export const API_STAGE = "v1";

/** Every route of the pack API: [method, path]. */
export const PACK_API_ROUTES = [
  ["POST", "/packs"],
  ["GET", "/packs/{packId}"],
  ["GET", "/packs/{packId}/download"],
  ["POST", "/legal-holds"],
  ["POST", "/legal-holds/{caseId}/release"],
] as const;

const { OBJECT, STRING } = apigateway.JsonSchemaType;
const BOUNDED_TEXT: apigateway.JsonSchema = { type: STRING, minLength: 1, maxLength: 2000 };
const REFERENCE: apigateway.JsonSchema = {
  type: STRING,
  minLength: 1,
  maxLength: Reference.maxLength ?? 128,
  ...(Reference.pattern ? { pattern: Reference.pattern } : {}),
};
const scopeOf = (...kinds: string[]): apigateway.JsonSchema => ({
  type: OBJECT,
  required: ["kind"],
  properties: { kind: { type: STRING, enum: kinds } },
});

/**
 * Request body models (JSON Schema draft 4), checked by API Gateway before the handler runs: the
 * shape only (required members, bounded text, known scope kinds). The handler checks the rest
 * and answers with a message that names the field.
 */
const MODELS = {
  PackRequest: {
    type: OBJECT,
    required: ["scope"],
    properties: { scope: scopeOf("release", "commit", "artifact", "window") },
  },
  LegalHoldRequest: {
    type: OBJECT,
    required: ["caseId", "reason", "scope"],
    properties: { caseId: REFERENCE, reason: BOUNDED_TEXT, scope: scopeOf("release", "window") },
  },
  LegalHoldRelease: {
    type: OBJECT,
    required: ["reason"],
    properties: { reason: BOUNDED_TEXT },
  },
} satisfies Record<string, apigateway.JsonSchema>;

export interface PackApiProps {
  readonly config: EvidencePlaneConfig;
  readonly entries: HandlerEntries;
  readonly keys: EvidenceKeys;
  readonly table: EventTable;
  readonly evidence: LockedBucket;
  readonly packs: LockedBucket;
  readonly evidenceBusName: string;
  readonly evidenceBusArn: string;
  readonly monitoring: Monitoring;
}

/**
 * The auditors' REST API (IAM authorization on every method, request validation, throttling,
 * access and execution logs, tracing, a WAF web ACL) for evidence packs and legal holds, its
 * handler, the pack-requests queue and the asynchronous pack assembler (the manifest signer),
 * and the auditor role that the configured auditor principals assume. Both functions read the
 * table and update pack-job status; they record requests, holds and packs as evidence by
 * putting events on the evidence bus.
 */
export class PackApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly apiHandler: EvidenceFunction;
  readonly assembler: EvidenceFunction;
  readonly requests: WorkQueue;
  readonly auditorRole: iam.Role;

  constructor(scope: Construct, id: string, props: PackApiProps) {
    super(scope, id);
    const { config, keys, table, evidence, packs, monitoring } = props;
    const stack = Stack.of(this);
    const dataKey = keys.dataKey;

    const assemblerTimeout = Duration.minutes(15);
    this.requests = new WorkQueue(this, "PackRequests", {
      dataKey,
      visibilityTimeout: Duration.seconds(assemblerTimeout.toSeconds() * 6),
      maxReceiveCount: 3,
    });
    const environment = {
      ...pipelineEnvironment(config, table, evidence),
      PACKS_BUCKET: packs.bucket.bucketName,
      PACK_JOBS_TABLE: table.packJobs.tableName,
      PACK_REQUESTS_QUEUE_URL: this.requests.queue.queueUrl,
      SIGNING_KEY_ID: keys.signingKey.keyArn,
      EVIDENCE_BUS_NAME: props.evidenceBusName,
    };

    this.apiHandler = new EvidenceFunction(this, "Handler", {
      entry: props.entries["pack-api"],
      description: "Pack and legal-hold API routes",
      serviceName: "evidence-pack-api",
      timeout: Duration.seconds(29),
      memorySize: 512,
      dataKey,
      reservedConcurrentExecutions: 5,
      environment,
    });
    this.assembler = new EvidenceFunction(this, "Assembler", {
      entry: props.entries["pack-assembler"],
      description: "Assembles and signs evidence packs from queued requests",
      serviceName: "evidence-pack-assembler",
      timeout: assemblerTimeout,
      memorySize: 1024,
      dataKey,
      reservedConcurrentExecutions: 2,
      environment,
    });
    for (const fn of [this.apiHandler, this.assembler]) {
      table.grantRead(fn.role);
      table.grantPackJobs(fn.role);
      evidence.grantRead(fn.role);
      packs.grantRead(fn.role);
      // Requests, holds and packs become evidence through the bus and the ingest, like any
      // other event: these roles never write the event table.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["events:PutEvents"],
          resources: [props.evidenceBusArn],
          conditions: { StringLike: { "events:source": `${EVIDENCE_SOURCE_PREFIX}*` } },
        }),
      );
    }
    this.apiHandler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        resources: [this.requests.queue.queueArn],
      }),
    );
    evidence.grantLegalHold(this.apiHandler.role);
    packs.grantLegalHold(this.apiHandler.role);
    packs.grantWrite(this.assembler.role);
    keys.allowSigning(this.assembler.role);
    this.assembler.function.addEventSource(
      new sources.SqsEventSource(this.requests.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );

    acknowledgeSqsEventSource(this.assembler.function);

    this.auditorRole = new iam.Role(this, "AuditorRole", {
      description: "Assumed by auditors to request evidence packs and verify signatures",
      assumedBy: new iam.CompositePrincipal(
        ...config.auditorPrincipals.map((arn) => new iam.ArnPrincipal(arn)),
      ),
      maxSessionDuration: Duration.hours(1),
    });
    this.api = this.restApi(props);
    this.auditorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["execute-api:Invoke"],
        resources: PACK_API_ROUTES.map(([method, path]) =>
          this.api.arnForExecuteApi(method, path.replace(/\{[^}]+\}/g, "*"), API_STAGE),
        ),
      }),
    );
    keys.allowVerifying(this.auditorRole);
    const apiId = `<${stack.getLogicalId(this.api.node.defaultChild as apigateway.CfnRestApi)}>`;
    for (const [method, path] of PACK_API_ROUTES.filter(([, path]) => path.includes("{"))) {
      const resource = `arn:${stack.partition}:execute-api:${stack.region}:${stack.account}:${apiId}/${API_STAGE}/${method}${path.replace(/\{[^}]+\}/g, "*")}`;
      Validations.of(this.auditorRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          "The * stands for a path parameter ({packId} or {caseId}): execute-api ARNs have no other way to name a parameterized route.",
      });
    }

    monitoring.alarmOnDeadLetters("PackRequests", this.requests.deadLetterQueue);
    monitoring.alarmOnDeadLetters("PackApiAsync", this.apiHandler.deadLetterQueue);
    monitoring.alarmOnDeadLetters("PackAssemblerAsync", this.assembler.deadLetterQueue);
    monitoring.alarmOnErrors("PackApi", this.apiHandler.function);
    monitoring.alarmOnErrors("PackAssembler", this.assembler.function);
    monitoring.alarmWhen(
      "PackApiServerErrors",
      "The pack API answered with 5xx errors. Read the handler's log group.",
      this.api.metricServerError({ period: Duration.minutes(5), statistic: "Sum" }),
    );
  }

  private restApi(props: PackApiProps): apigateway.RestApi {
    const { keys } = props;
    const stack = Stack.of(this);
    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      encryptionKey: keys.dataKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const callers = [this.auditorRole.roleArn, ...props.config.securityPrincipals];
    const api = new apigateway.RestApi(this, "RestApi", {
      description: "Evidence packs and legal holds (IAM authorization)",
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "AuditorsInvoke",
            principals: [this.auditorRole],
            actions: ["execute-api:Invoke"],
            resources: ["execute-api:/*"],
          }),
          new iam.PolicyStatement({
            sid: "NobodyElseInvokes",
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ["execute-api:Invoke"],
            resources: ["execute-api:/*"],
            conditions: { ArnNotEquals: { "aws:PrincipalArn": callers } },
          }),
        ],
      }),
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: API_STAGE,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        loggingLevel: apigateway.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: 20,
        throttlingBurstLimit: 40,
      },
    });
    this.executionLogging(api, keys);

    const validator = new apigateway.RequestValidator(this, "Validator", {
      restApi: api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = (name: keyof typeof MODELS) =>
      api.addModel(name, {
        modelName: name,
        contentType: "application/json",
        schema: {
          schema: apigateway.JsonSchemaVersion.DRAFT4,
          ...MODELS[name],
        },
      });
    const integration = new apigateway.LambdaIntegration(this.apiHandler.function);
    const withBody = (name: keyof typeof MODELS): apigateway.MethodOptions => ({
      requestValidator: validator,
      requestModels: { "application/json": model(name) },
    });
    const withPath = (parameter: string): apigateway.MethodOptions => ({
      requestValidator: validator,
      requestParameters: { [`method.request.path.${parameter}`]: true },
    });

    const packsResource = api.root.addResource("packs");
    packsResource.addMethod("POST", integration, withBody("PackRequest"));
    const pack = packsResource.addResource("{packId}");
    pack.addMethod("GET", integration, withPath("packId"));
    pack.addResource("download").addMethod("GET", integration, withPath("packId"));
    const holds = api.root.addResource("legal-holds");
    holds.addMethod("POST", integration, withBody("LegalHoldRequest"));
    holds
      .addResource("{caseId}")
      .addResource("release")
      .addMethod("POST", integration, {
        ...withBody("LegalHoldRelease"),
        requestParameters: { "method.request.path.caseId": true },
      });

    const webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: "EvidencePackApi",
        sampledRequestsEnabled: true,
      },
      rules: [
        managedRule("AWSManagedRulesAmazonIpReputationList", 0),
        managedRule("AWSManagedRulesKnownBadInputsRuleSet", 1),
        {
          name: "RateLimitPerAddress",
          priority: 2,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 300, aggregateKeyType: "IP" } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: "RateLimitPerAddress",
            sampledRequestsEnabled: true,
          },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, "WebAclAssociation", {
      webAclArn: webAcl.attrArn,
      resourceArn: api.deploymentStage.stageArn,
    });
    // WAF delivers only to log groups whose names start with aws-waf-logs-, named by an ARN
    // without the ":*" suffix that the log group's own Arn attribute carries.
    const wafLogGroupName = `aws-waf-logs-${stack.stackName}-pack-api`;
    const wafLogs = new logs.LogGroup(this, "WafLogs", {
      logGroupName: wafLogGroupName,
      encryptionKey: keys.dataKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const wafLogging = new wafv2.CfnLoggingConfiguration(this, "WafLogging", {
      resourceArn: webAcl.attrArn,
      logDestinationConfigs: [
        stack.formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: wafLogGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    });
    wafLogging.node.addDependency(wafLogs);

    const cacheReason =
      "Responses are per-request pack status and short-lived presigned download links; caching them would serve stale status and links across callers.";
    Validations.of(api).acknowledge(
      ...inEveryCompliancePack("APIGWCacheEnabledAndEncrypted", cacheReason),
      {
        id: "AwsSolutions-COG4",
        reason:
          "Every method uses IAM (SigV4) authorization: auditors assume the auditor role; a Cognito user pool would add a second identity store.",
      },
      ...inEveryCompliancePack(
        "APIGWSSLEnabled",
        "Client certificates authenticate API Gateway to HTTP backends; this API's only backend is a Lambda proxy integration, invoked over AWS's signed internal channel.",
      ),
    );
    return api;
  }

  /** Execution logs need the account-level API Gateway logging role; this creates it, scoped. */
  private executionLogging(api: apigateway.RestApi, keys: EvidenceKeys): void {
    const stack = Stack.of(this);
    const executionLogs = new logs.LogGroup(this, "ExecutionLogs", {
      logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${API_STAGE}`,
      encryptionKey: keys.dataKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, "ExecutionLogsRole", {
      assumedBy: new iam.ServicePrincipal("apigateway.amazonaws.com"),
      description: "API Gateway writes the pack API's execution logs",
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "logs:CreateLogStream",
          "logs:DescribeLogStreams",
          "logs:PutLogEvents",
          "logs:GetLogEvents",
          "logs:FilterLogEvents",
        ],
        resources: [executionLogs.logGroupArn],
      }),
    );
    const executionLogGroups = stack.formatArn({
      service: "logs",
      resource: "log-group",
      resourceName: "API-Gateway-Execution-Logs_*",
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogGroup", "logs:DescribeLogGroups"],
        resources: [executionLogGroups],
      }),
    );
    const account = new apigateway.CfnAccount(this, "ApiGatewayAccount", {
      cloudWatchRoleArn: role.roleArn,
    });
    account.node.addDependency(executionLogs);
    api.deploymentStage.node.addDependency(account);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executionLogGroups}]`,
      reason:
        "API Gateway checks for its execution log groups by name prefix (CreateLogGroup, DescribeLogGroups) before writing; writes go only to this API's own log group.",
    });
  }

  /** Queue-depth and error graphs for the dashboard. */
  widgets(): cloudwatch.IWidget[] {
    return [
      new cloudwatch.GraphWidget({
        title: "Pack API requests and errors",
        left: [this.api.metricCount(), this.api.metricClientError(), this.api.metricServerError()],
      }),
      new cloudwatch.GraphWidget({
        title: "Pack requests waiting",
        left: [this.requests.queue.metricApproximateNumberOfMessagesVisible()],
      }),
    ];
  }
}

function managedRule(name: string, priority: number): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: "AWS", name } },
    visibilityConfig: {
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    },
  };
}
