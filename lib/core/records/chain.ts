import type { StreamHead } from "./build.ts";
import { GENESIS_DIGEST } from "./types.ts";

/** A chain check that failed. */
export type ChainCheck = "chain-start" | "chain-seq" | "chain-link";

/** Why a record does not follow the one before it in its stream. */
export interface ChainFinding {
  readonly check: ChainCheck;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

/**
 * Checks that a record (`seq`, `prev`) follows `head` in its stream. With no head (the first
 * record seen of the stream) only seq 1 can be checked: its prev must be the genesis digest.
 * Returns undefined when the record links, otherwise the one finding that explains why not.
 */
export function checkLink(
  head: StreamHead | undefined,
  next: { readonly seq: number; readonly prev: string },
): ChainFinding | undefined {
  if (head === undefined) {
    if (next.seq === 1 && next.prev !== GENESIS_DIGEST) {
      return {
        check: "chain-start",
        expected: GENESIS_DIGEST,
        found: next.prev,
        message: "the first record of a stream must link to the genesis digest",
      };
    }
    return undefined;
  }
  const expectedSeq = head.seq + 1;
  if (next.seq === expectedSeq) {
    if (next.prev === head.digest) return undefined;
    return {
      check: "chain-link",
      expected: head.digest,
      found: next.prev,
      message: `prev does not match the digest of record ${head.seq}: this record or the one before it was altered or replaced`,
    };
  }
  if (next.seq > expectedSeq) {
    const missing = next.seq - expectedSeq;
    return {
      check: "chain-seq",
      expected: String(expectedSeq),
      found: String(next.seq),
      message:
        missing === 1
          ? `record ${expectedSeq} is missing`
          : `${missing} records are missing (seq ${expectedSeq} to ${next.seq - 1})`,
    };
  }
  return {
    check: "chain-seq",
    expected: String(expectedSeq),
    found: String(next.seq),
    message: `seq ${next.seq} after ${head.seq}: a record is duplicated or out of order`,
  };
}
