/**
 * Every check the verifier runs, with what a failure means. The codes are stable: scripts may
 * match on them.
 */
export const CHECKS = {
  archive: "the archive is cut short or damaged",
  "entry-order": "an entry is not where the format puts it, or appears twice",
  "entry-type": "an entry is not a regular file",
  "entry-size": "an entry is larger than the format allows",
  "entry-name": "an entry's path is not one the format allows",
  "public-key": "public-key.pem is missing or is not an ECDSA P-256 public key",
  "key-untrusted": "the pack's key is not the pinned key",
  "key-mismatch": "the manifest names another key than public-key.pem holds",
  "key-id": "a signature names another key id than the manifest",
  "signatures-unchecked": "no key to check signatures with",
  "manifest-missing": "manifest.json is missing",
  "manifest-invalid": "manifest.json is not a valid manifest",
  "format-version": "the pack format version is not one this verifier reads",
  "manifest-signature-missing": "manifest.sig.json is missing",
  "manifest-signature": "the manifest signature does not verify",
  "file-unlisted": "an entry is not listed in the manifest",
  "file-missing": "a file the manifest lists is not in the pack",
  "file-digest": "a file's size or SHA-256 differs from the manifest",
  "chunk-size": "a records file holds more records than the format allows",
  "record-parse": "a line is not a signed record",
  "record-signature": "a record's signature does not verify",
  "event-digest": "a record's eventDigest is not the digest of its event",
  "event-schema": "a record's event does not match its event type's schema",
  "record-stream": "a record is in another stream than its event belongs to",
  "chain-start": "the first record of a stream does not link to the genesis digest",
  "chain-seq": "a record is missing, duplicated or out of order",
  "chain-link": "a record's prev is not the digest of the record before it",
  "stream-split": "a stream's records are not together",
  "stream-missing": "a stream the manifest lists has no records",
  "stream-unlisted": "a stream has records but is not in the manifest",
  "stream-start":
    "a stream starts at another seq, or links to another prev, than the manifest says",
  "stream-head": "a stream ends before, after or at another record than its signed head",
  "stream-count": "a stream holds another number of records than the manifest says",
  counts: "the manifest totals differ from the pack",
  scope: "the pack does not hold what its scope requires",
  "archive-locks":
    "an archive-locks file is malformed, or its entries do not name the pack's records one for one",
} as const;

export type Check = keyof typeof CHECKS;

/** One thing found wrong: which check, where, and what was expected against what was found. */
export interface Problem {
  readonly check: Check;
  readonly message: string;
  /** Archive entry the problem is in. */
  readonly file?: string;
  /** 1-based line of a records file. */
  readonly line?: number;
  readonly stream?: string;
  readonly seq?: number;
  readonly expected?: string;
  readonly found?: string;
}

/**
 * Collects problems, keeping at most `maxPerCheck` of each check (0 keeps all) and counting the
 * rest, so a pack where every one of a million signatures fails still verifies in flat memory.
 */
export class ProblemLog {
  private readonly maxPerCheck: number;
  private readonly kept: Problem[] = [];
  private readonly byCheck = new Map<Check, number>();
  private omittedCount = 0;

  constructor(maxPerCheck: number) {
    this.maxPerCheck = maxPerCheck;
  }

  add(problem: Problem): void {
    const count = (this.byCheck.get(problem.check) ?? 0) + 1;
    this.byCheck.set(problem.check, count);
    if (this.maxPerCheck > 0 && count > this.maxPerCheck) this.omittedCount++;
    else this.kept.push(problem);
  }

  /** Every problem found, kept or not. */
  get total(): number {
    return this.kept.length + this.omittedCount;
  }

  /** Problems counted but not kept. */
  get omitted(): number {
    return this.omittedCount;
  }

  get problems(): readonly Problem[] {
    return this.kept;
  }

  /** How many problems each failed check found. */
  counts(): Partial<Record<Check, number>> {
    return Object.fromEntries(this.byCheck) as Partial<Record<Check, number>>;
  }
}
