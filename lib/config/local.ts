import { DEFAULT_RETENTION } from "../core/retention.ts";
import type { EvidencePlaneConfig } from "./config.ts";

/**
 * The configuration of the local evidence plane on the AWS emulator (single account
 * 123456789012, region us-east-1). It is built directly rather than through parseConfig
 * because the emulator has one account: the producer and the evidence account coincide,
 * which parseConfig refuses for real deployments.
 */
export const LOCAL_CONFIG: EvidencePlaneConfig = {
  namePrefix: "evidence-local",
  evidenceAccount: "123456789012",
  region: "us-east-1",
  producers: { accounts: ["123456789012"] },
  auditorPrincipals: ["arn:aws:iam::123456789012:role/evidence-local-auditor"],
  securityPrincipals: ["arn:aws:iam::123456789012:role/evidence-local-security"],
  retention: DEFAULT_RETENTION,
  objectLockMode: "COMPLIANCE",
  alarms: { emails: [] },
  busArchiveRetentionDays: 1,
  workloads: { region: "us-east-1", trustAccountPrincipals: true },
};
