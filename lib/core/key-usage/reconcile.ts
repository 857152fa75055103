import type { Finding } from "./findings.ts";
import type { KeyUsageSummary } from "./summary.ts";

/** Where a signature in the ledger came from. */
export type LedgerSignatureKind = "record" | "manifest" | "abandoned";

/** One signature the evidence plane says it made, with the KMS request id of its Sign call. */
export interface LedgerSignature {
  readonly kind: LedgerSignatureKind;
  /** The KMS request id; absent when the signer did not report one. */
  readonly requestId?: string;
  /** Key that signed (a KMS key ARN, or `local:<fingerprint>` for a local signer). */
  readonly keyId: string;
  /** Time in the signed statement. */
  readonly signedAt?: string;
  /** Where the signature is: `release/r1#3` for a record, `pack:<file>` for a manifest... */
  readonly ref: string;
}

/** One successful Sign call from CloudTrail. */
export interface SignCall {
  readonly requestId: string;
  readonly keyArn: string;
  readonly principal: string;
  /** Call time when known (offline logs); the summary window's bounds otherwise. */
  readonly first: string;
  readonly last: string;
}

/** Outcome of matching the ledger's signatures with the Sign calls on the signing keys. */
export interface Reconciliation {
  /** Keys whose Sign calls were reconciled. */
  readonly signingKeys: readonly string[];
  readonly signCalls: number;
  readonly signatures: number;
  readonly matched: number;
  /** Matched, by kind of ledger entry. */
  readonly matchedByKind: Readonly<Record<LedgerSignatureKind, number>>;
  /** Sign calls no record, manifest or abandoned-signature item accounts for. */
  readonly unmatchedCalls: readonly SignCall[];
  /** Ledger signatures with no Sign call in the logs, within the window. */
  readonly unmatchedSignatures: readonly LedgerSignature[];
  /** Ledger signatures not judged: signed outside the window the logs cover. */
  readonly outsideWindow: number;
}

/**
 * How long after a signature's `signedAt` its Sign call may appear in CloudTrail (the signer
 * retries throttled calls with backoff). Signatures this close to the end of the logs are not
 * reported as unmatched, because their Sign call may be in the next log file.
 */
export const SIGN_LATENCY_GRACE_MS = 5 * 60_000;

/** The successful Sign calls on `signingKeys` recorded in a summary. */
export function signCallsOf(
  summary: KeyUsageSummary,
  isSigningKey: (keyArn: string) => boolean,
  timeOf?: ReadonlyMap<string, string>,
): SignCall[] {
  const calls: SignCall[] = [];
  for (const row of summary.usage) {
    if (row.operation !== "Sign" || !isSigningKey(row.keyArn)) continue;
    for (const requestId of row.requestIds ?? []) {
      const at = timeOf?.get(requestId);
      calls.push({
        requestId,
        keyArn: row.keyArn,
        principal: row.principal,
        first: at ?? row.firstUse,
        last: at ?? row.lastUse,
      });
    }
  }
  return calls;
}

/**
 * Matches signatures to Sign calls by KMS request id. Every Sign call on a signing key must be
 * accounted for by a ledger record, a pack manifest signature or an abandoned-signature item;
 * every KMS signature in the ledger signed within the window must have its Sign call in the logs.
 * Signatures made by other keys (a local signer, say) are not part of the comparison.
 */
export function reconcile(input: {
  readonly signCalls: readonly SignCall[];
  readonly signatures: readonly LedgerSignature[];
  readonly signingKeys: readonly string[];
  /** The time the logs cover; signatures outside it are counted, not judged. */
  readonly window?: { readonly start: string; readonly end: string };
  /** How long before the window's end signatures are left unjudged. @default {@link SIGN_LATENCY_GRACE_MS} */
  readonly graceMs?: number;
}): Reconciliation {
  const keys = new Set(input.signingKeys);
  const callIds = new Set(input.signCalls.map((c) => c.requestId));
  const unique = new Map<string, LedgerSignature>();
  for (const s of input.signatures) {
    // One record can sit in several packs or exports: count it once.
    if (keys.has(s.keyId)) unique.set(JSON.stringify([s.kind, s.ref, s.requestId ?? null]), s);
  }
  const signatures = [...unique.values()];
  const accounted = new Set<string>();
  const matchedByKind: Record<LedgerSignatureKind, number> = {
    record: 0,
    manifest: 0,
    abandoned: 0,
  };
  const unmatchedSignatures: LedgerSignature[] = [];
  let matched = 0;
  let outsideWindow = 0;
  const start = input.window ? Date.parse(input.window.start) : Number.NEGATIVE_INFINITY;
  const end = input.window
    ? Date.parse(input.window.end) - (input.graceMs ?? SIGN_LATENCY_GRACE_MS)
    : Number.POSITIVE_INFINITY;
  for (const signature of signatures) {
    if (signature.requestId !== undefined && callIds.has(signature.requestId)) {
      accounted.add(signature.requestId);
      matched += 1;
      matchedByKind[signature.kind] += 1;
      continue;
    }
    const at = signature.signedAt === undefined ? Number.NaN : Date.parse(signature.signedAt);
    if (Number.isFinite(at) && (at < start || at > end)) {
      outsideWindow += 1;
      continue;
    }
    unmatchedSignatures.push(signature);
  }
  const unmatchedCalls = input.signCalls.filter((c) => !accounted.has(c.requestId));
  return {
    signingKeys: [...keys].sort(),
    signCalls: input.signCalls.length,
    signatures: signatures.length,
    matched,
    matchedByKind,
    unmatchedCalls,
    unmatchedSignatures,
    outsideWindow,
  };
}

/** The reconciliation's unmatched entries as findings. */
export function reconciliationFindings(result: Reconciliation): Finding[] {
  const calls = result.unmatchedCalls.map(
    (call): Finding => ({
      code: "sign-call-unmatched",
      severity: "high",
      message: `KMS Sign call ${call.requestId} by ${call.principal} matches no ledger record, pack manifest or abandoned signature: something signed with the evidence key outside the evidence plane; find what was signed and who held that role.`,
      keyArn: call.keyArn,
      principal: call.principal,
      operation: "Sign",
      count: 1,
      first: call.first,
      last: call.last,
      requestIds: [call.requestId],
    }),
  );
  const signatures = result.unmatchedSignatures.map(
    (signature): Finding => ({
      code: "signature-unmatched",
      severity: "high",
      message:
        signature.requestId === undefined
          ? `The ${signature.kind} signature at ${signature.ref} carries no KMS request id, so no Sign call can vouch for it; treat it as unverified until its origin is known.`
          : `The ${signature.kind} signature at ${signature.ref} names KMS request ${signature.requestId}, but the logs hold no such Sign call: check that the logs cover its time, otherwise the signature did not come from this key's Sign calls.`,
      keyArn: signature.keyId,
      operation: "Sign",
      count: 1,
      ...(signature.signedAt ? { first: signature.signedAt, last: signature.signedAt } : {}),
      ...(signature.requestId ? { requestIds: [signature.requestId] } : {}),
      ref: signature.ref,
    }),
  );
  return [...calls, ...signatures];
}
