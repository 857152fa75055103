import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * cdk-nag findings this design accepts everywhere in a stack, each with the reason a reviewer
 * needs. Findings tied to one resource are acknowledged beside that resource instead.
 */

const COMPLIANCE_PACKS = ["HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"] as const;

/** One acknowledgement per compliance pack, for a rule the three packs share. */
export function inEveryCompliancePack(rule: string, reason: string) {
  return COMPLIANCE_PACKS.map((pack) => ({ id: `${pack}-${rule}`, reason }));
}

/** Inline role policies: each role's permissions are bound to it alone. */
export function acknowledgeInlinePolicies(scope: IConstruct): void {
  Validations.of(scope).acknowledge(
    ...inEveryCompliancePack(
      "IAMNoInlinePolicy",
      "Every role here has a policy written for it alone; an inline policy keeps that one-to-one binding (AWS's guidance for permissions that must never be attached to another principal), whereas a managed policy could be attached elsewhere.",
    ),
  );
}

const PINNED_RUNTIME =
  "Pinned to nodejs22.x, the Node major the test suite and the local plane run on (the node@22 dev dependency); the two move together.";

/** Serverless functions that call only AWS APIs, on a runtime pinned to the tested Node major. */
export function acknowledgeFunctionPlacement(scope: IConstruct): void {
  Validations.of(scope).acknowledge(
    ...inEveryCompliancePack(
      "LambdaInsideVPC",
      "The functions call only AWS APIs (DynamoDB, S3, KMS, SQS, EventBridge) over TLS with SigV4 and reach no private network resource; a VPC would add NAT or endpoint paths without narrowing what each function's role may touch.",
    ),
    { id: "AwsSolutions-L1", reason: PINNED_RUNTIME },
    { id: "Serverless-LambdaLatestVersion", reason: PINNED_RUNTIME },
  );
}

/** SQS event sources: failures go to the queue's own redrive DLQ. */
export function acknowledgeSqsEventSource(scope: IConstruct): void {
  Validations.of(scope).acknowledge({
    id: "Serverless-LambdaEventSourceMappingDestination",
    reason:
      "SQS event source mappings take no on-failure destination: a message that fails maxReceiveCount times moves to the queue's redrive DLQ, which alarms on its first message.",
  });
}
