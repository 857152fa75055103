/**
 * Evidence classes: retention is configured per class, not per event type, so that a
 * compliance team sets a handful of periods that match its obligations.
 */
export const EVIDENCE_CLASSES = ["release", "verification", "key-usage", "governance"] as const;
export type EvidenceClass = (typeof EVIDENCE_CLASSES)[number];

/** A retention period in whole days. */
export interface RetentionPeriod {
  readonly days: number;
}

/**
 * Defaults that meet the strictest common obligations: release decisions (approvals, deploys,
 * exceptions) 7 years; test, scan and SBOM evidence 3 years; key usage 1 year (PCI DSS 10.5.1);
 * governance records (legal holds, packs) 7 years.
 */
export const DEFAULT_RETENTION: Readonly<Record<EvidenceClass, RetentionPeriod>> = {
  release: { days: 7 * 365 + 2 },
  verification: { days: 3 * 365 + 1 },
  "key-usage": { days: 365 },
  governance: { days: 7 * 365 + 2 },
};

const CLASS_BY_TYPE_PREFIX: ReadonlyArray<readonly [prefix: string, evidenceClass: EvidenceClass]> =
  [
    ["test.", "verification"],
    ["scan.", "verification"],
    ["sbom.", "verification"],
    ["key-usage.", "key-usage"],
    ["legal-hold.", "governance"],
    ["pack.", "governance"],
  ];

/** The evidence class of an event type; anything not listed is release evidence (the longest-kept). */
export function evidenceClassOf(eventType: string): EvidenceClass {
  for (const [prefix, evidenceClass] of CLASS_BY_TYPE_PREFIX) {
    if (eventType.startsWith(prefix)) return evidenceClass;
  }
  return "release";
}

/** When a record of `eventType` received at `receivedAt` may leave Object Lock retention. */
export function retainUntil(
  eventType: string,
  receivedAt: Date,
  retention: Readonly<Record<EvidenceClass, RetentionPeriod>> = DEFAULT_RETENTION,
): Date {
  const { days } = retention[evidenceClassOf(eventType)];
  return new Date(receivedAt.getTime() + days * 86_400_000);
}
