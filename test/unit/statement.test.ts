import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalBytes } from "../../lib/core/canonical/index.ts";
import type { Digest } from "../../lib/core/digest.ts";
import {
  manifestStatement,
  manifestStatementBytes,
  recordStatement,
  recordStatementBytes,
} from "../../lib/core/statement/index.ts";
import { StatementWriter } from "../../lib/core/verify/signature-queue.ts";

const digest = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes): Digest => `sha256:${Buffer.from(bytes).toString("hex")}`);
const text = fc.oneof(fc.string({ unit: "grapheme" }), fc.string(), fc.constantFrom("", '"\\/'));
const fields = fc.record({
  digest,
  stream: text,
  seq: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
  time: text,
  keyId: text,
});

describe("record statement bytes", () => {
  it("written from the template equal the canonical form (property)", () => {
    fc.assert(
      fc.property(fields, (value) => {
        expect(recordStatementBytes(value).equals(canonicalBytes(recordStatement(value)))).toBe(
          true,
        );
      }),
    );
  });

  it("written by the verifier equal the canonical form, record after record (property)", () => {
    // Runs of records share a stream or key id, so the writer's kept JSON forms are exercised.
    const run = fc.array(
      fc.tuple(fields, fc.boolean(), fc.boolean()).map(([value, sameStream, sameKey]) => ({
        value,
        sameStream,
        sameKey,
      })),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(run, (records) => {
        const writer = new StatementWriter();
        let previous = records[0]?.value;
        for (const { value, sameStream, sameKey } of records) {
          const current = {
            ...value,
            stream: sameStream && previous ? previous.stream : value.stream,
            keyId: sameKey && previous ? previous.keyId : value.keyId,
          };
          const written = Buffer.from(
            writer.text(current.digest, current.keyId, current.seq, current.stream, current.time),
            "utf8",
          );
          expect(written.equals(canonicalBytes(recordStatement(current)))).toBe(true);
          previous = current;
        }
      }),
    );
  });

  it("refuses a seq that is not a safe integer", () => {
    const value = {
      digest: `sha256:${"a".repeat(64)}` as Digest,
      stream: "s",
      time: "t",
      keyId: "k",
    };
    expect(() => recordStatementBytes({ ...value, seq: 2 ** 53 })).toThrow(RangeError);
    expect(() => recordStatementBytes({ ...value, seq: 1.5 })).toThrow(RangeError);
  });
});

describe("manifest statement bytes", () => {
  it("equal the canonical form (property)", () => {
    fc.assert(
      fc.property(digest, text, text, text, (d, packId, time, keyId) => {
        const value = { digest: d, packId, time, keyId };
        expect(manifestStatementBytes(value).equals(canonicalBytes(manifestStatement(value)))).toBe(
          true,
        );
      }),
    );
  });
});
