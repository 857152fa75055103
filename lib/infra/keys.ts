import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";

/**
 * What the account (and so IAM policies in it) may do to a key: administer it, never use it.
 * No wildcards, so a reviewer reads the exact list; CreateGrant is absent because a grant could
 * hand out Sign.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:EnableKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
] as const;

/** What a symmetric data key's users do with it, granted to the account for IAM delegation. */
const DATA_KEY_USE_ACTIONS = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:RotateKeyOnDemand",
] as const;

/** Explicit KMS actions for a data-key user: reading, or reading and writing. */
const DATA_KEY_GRANTS = {
  read: ["kms:Decrypt", "kms:DescribeKey"],
  write: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
} as const;

/**
 * Lets `grantee` use a symmetric key to read (`read`) or also write (`write`) data it encrypts,
 * with exact actions (the L2 grants use GenerateDataKey* and ReEncrypt*).
 */
export function grantDataKey(key: kms.IKey, grantee: iam.IGrantable, use: "read" | "write"): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...DATA_KEY_GRANTS[use]], resources: [key.keyArn] }),
  );
}

export interface EvidenceKeysProps {
  /** Roles that administer both keys (never use the signing key). */
  readonly securityPrincipals: readonly string[];
}

/**
 * The two keys of the evidence account.
 *
 * - `signingKey`: ECC_NIST_P256 SIGN_VERIFY. Its policy separates administration (account and
 *   security principals, no usage) from use (Sign only for the roles added with
 *   {@link EvidenceKeys.allowSigning}; GetPublicKey and Verify for verifiers), and denies Sign to
 *   every other principal, grants included.
 * - `dataKey`: symmetric, rotated yearly; encrypts the table, buckets, queues, topics and logs.
 *
 * Both are retained on stack deletion and wait 30 days before deletion.
 */
export class EvidenceKeys extends Construct {
  readonly signingKey: kms.Key;
  readonly dataKey: kms.Key;
  private readonly signers: iam.IRole[] = [];

  constructor(scope: Construct, id: string, props: EvidenceKeysProps) {
    super(scope, id);
    const account = new iam.AccountRootPrincipal();
    const security = props.securityPrincipals.map((arn) => new iam.ArnPrincipal(arn));

    this.signingKey = new kms.Key(this, "Signing", {
      description: "Signs evidence records and pack manifests (ECDSA P-256)",
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "AccountAdministersButNeverUses",
            principals: [account],
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ["*"],
          }),
          new iam.PolicyStatement({
            sid: "SecurityPrincipalsAdminister",
            principals: security,
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ["*"],
          }),
        ],
      }),
    });
    this.signingKey.addAlias(`alias/${Stack.of(this).stackName}-signing`);

    this.dataKey = new kms.Key(this, "Data", {
      description: "Encrypts the evidence table, buckets, queues, topics and logs",
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "AccountAdministersAndDelegatesUseToIam",
            principals: [account],
            actions: [...KEY_ADMIN_ACTIONS, ...DATA_KEY_USE_ACTIONS],
            resources: ["*"],
          }),
          new iam.PolicyStatement({
            sid: "AccountGrantsOnlyToAwsServices",
            principals: [account],
            actions: ["kms:CreateGrant"],
            resources: ["*"],
            conditions: { Bool: { "kms:GrantIsForAWSResource": "true" } },
          }),
          new iam.PolicyStatement({
            sid: "SecurityPrincipalsAdminister",
            principals: security,
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ["*"],
          }),
        ],
      }),
    });
    this.dataKey.addAlias(`alias/${Stack.of(this).stackName}-data`);
  }

  /**
   * Lets `role` sign with the signing key. Only roles added here can sign: the key policy
   * names them in its Allow and exempts only them from its Deny.
   */
  allowSigning(role: iam.IRole): void {
    this.signers.push(role);
  }

  /** Lets `principals` read the public key and verify signatures. */
  allowVerifying(...principals: iam.IPrincipal[]): void {
    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "VerifiersReadPublicKeyAndVerify",
        principals,
        actions: ["kms:GetPublicKey", "kms:Verify", "kms:DescribeKey"],
        resources: ["*"],
      }),
    );
  }

  /** Lets an AWS service use the data key on this account's behalf, scoped by `conditions`. */
  allowServiceUse(
    sid: string,
    service: string,
    actions: readonly string[],
    conditions?: Record<string, Record<string, unknown>>,
  ): void {
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions: [...actions],
        resources: ["*"],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }

  /** Writes the signing statements; called once every signer is known. */
  sealSigningPolicy(): void {
    if (this.signers.length === 0) {
      throw new Error("EvidenceKeys: no signing role was added; call allowSigning() first");
    }
    const signerArns = this.signers.map((role) => role.roleArn);
    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "SigningRolesSign",
        principals: this.signers,
        actions: ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"],
        resources: ["*"],
      }),
    );
    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "NobodyElseSigns",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ["kms:Sign"],
        resources: ["*"],
        conditions: { ArnNotEquals: { "aws:PrincipalArn": signerArns } },
      }),
    );
  }
}
