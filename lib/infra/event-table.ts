import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as backup from "aws-cdk-lib/aws-backup";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { EVENT_TABLE_LAYOUT, type KeyAttribute, PACK_JOBS_TABLE_LAYOUT } from "../config/layout.ts";
import { grantDataKey } from "./keys.ts";

/**
 * Actions that would change or remove evidence. The table's own policy denies them to every
 * principal, so no IAM policy, present or future, can rewrite history. Writers append with
 * PutItem (conditional) and TransactWriteItems, whose Put and ConditionCheck parts need only
 * PutItem and ConditionCheckItem.
 */
export const EVIDENCE_TABLE_DENIED_ACTIONS = [
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:DeleteTable",
] as const;

/** Read actions on the table and its indexes. */
export const EVIDENCE_TABLE_READ_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:DescribeTable",
  "dynamodb:ConditionCheckItem",
] as const;

/** The append actions: a conditional Put, alone or inside TransactWriteItems. */
export const EVIDENCE_TABLE_APPEND_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:ConditionCheckItem",
] as const;

/** How long daily backups of the event table are kept (and locked). */
const BACKUP_RETENTION = Duration.days(35);

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}

export interface EventTableProps {
  readonly dataKey: kms.IKey;
}

/**
 * The append-only event table and the small mutable pack-jobs table.
 *
 * The event table streams NEW_IMAGE to the archive, keeps point-in-time recovery, cannot be
 * deleted (deletion protection, RETAIN, and DeleteTable denied), and is encrypted with the data
 * key. Grants go through {@link EventTable.grantAppend} and {@link EventTable.grantRead}: there
 * is no read-write grant.
 */
export class EventTable extends Construct {
  readonly table: dynamodb.Table;
  readonly packJobs: dynamodb.Table;
  readonly backups: backup.BackupPlan;
  private readonly dataKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EventTableProps) {
    super(scope, id);
    this.dataKey = props.dataKey;

    this.table = new dynamodb.Table(this, "Events", {
      partitionKey: attribute(EVENT_TABLE_LAYOUT.partitionKey),
      sortKey: attribute(EVENT_TABLE_LAYOUT.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.dataKey,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      resourcePolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "EvidenceIsAppendOnly",
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: [...EVIDENCE_TABLE_DENIED_ACTIONS],
            resources: ["*"],
          }),
        ],
      }),
    });
    for (const index of Object.values(EVENT_TABLE_LAYOUT.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    this.backups = this.backUp();

    this.packJobs = new dynamodb.Table(this, "PackJobs", {
      partitionKey: attribute(PACK_JOBS_TABLE_LAYOUT.partitionKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.dataKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const transient =
      "Pack jobs are transient status, not evidence: a lost job is requested again, and point-in-time recovery covers 35 days.";
    Validations.of(this.packJobs).acknowledge(
      { id: "HIPAA.Security-DynamoDBInBackupPlan", reason: transient },
      { id: "NIST.800.53.R5-DynamoDBInBackupPlan", reason: transient },
    );
  }

  /**
   * Daily AWS Backup copies of the event table into a locked vault (encrypted with the data
   * key): a copy outside the table's own account-level controls, kept 35 days, restorable into a
   * new table. Restores never overwrite the live table.
   */
  private backUp(): backup.BackupPlan {
    const vault = new backup.BackupVault(this, "Vault", {
      encryptionKey: this.dataKey,
      removalPolicy: RemovalPolicy.RETAIN,
      lockConfiguration: { minRetention: BACKUP_RETENTION },
    });
    const plan = new backup.BackupPlan(this, "Backups", {
      backupVault: vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: "daily",
          scheduleExpression: events.Schedule.cron({ hour: "3", minute: "0" }),
          deleteAfter: BACKUP_RETENTION,
        }),
      ],
    });
    const selection = plan.addSelection("EventTable", {
      resources: [backup.BackupResource.fromDynamoDbTable(this.table)],
      allowRestores: false,
    });
    Validations.of(selection).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]",
      reason:
        "AWS Backup's own service-role policy, maintained by AWS as Backup gains DynamoDB features; it is attached to a role only AWS Backup can assume.",
    });
    return plan;
  }

  /** Lets `grantee` append records and markers (conditional PutItem / TransactWriteItems). */
  grantAppend(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...EVIDENCE_TABLE_APPEND_ACTIONS],
        resources: [this.table.tableArn],
      }),
    );
    grantDataKey(this.dataKey, grantee, "write");
  }

  /** Lets `grantee` read the table and query its indexes. */
  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...EVIDENCE_TABLE_READ_ACTIONS],
        resources: [
          this.table.tableArn,
          ...Object.values(EVENT_TABLE_LAYOUT.indexes).map(
            (index) => `${this.table.tableArn}/index/${index.name}`,
          ),
        ],
      }),
    );
    grantDataKey(this.dataKey, grantee, "read");
  }

  /** Lets `grantee` create, read, list and update pack-job status items (never delete them). */
  grantPackJobs(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:Scan",
          "dynamodb:DescribeTable",
        ],
        resources: [this.packJobs.tableArn],
      }),
    );
    grantDataKey(this.dataKey, grantee, "write");
  }
}
