import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalBytes } from "../../lib/core/canonical/index.ts";
import { encodeRecordLine } from "../../lib/core/pack/lines.ts";
import type { SignedRecord } from "../../lib/core/records/types.ts";
import {
  type LineRecord,
  readAnyLine,
  readCanonicalLine,
  readRecordLine,
} from "../../lib/core/verify/line.ts";
import { sampleEvent } from "../helpers/events.ts";
import { signedRelease } from "../helpers/packs.ts";

const records = await signedRelease("r-line", 3);
const base = records[0] as SignedRecord;

function lineOf(signed: SignedRecord): Buffer {
  return Buffer.from(encodeRecordLine(signed).slice(0, -1), "utf8");
}

/** A reading with its byte ranges as hex, so two readings compare by content. */
function comparable(read: LineRecord | string | undefined) {
  if (read === undefined || typeof read === "string") return read;
  return {
    ...read,
    recordBytes: read.recordBytes.toString("hex"),
    eventBytes: read.eventBytes?.toString("hex"),
  };
}

function withRecord(changes: Record<string, unknown>): SignedRecord {
  return { ...base, record: { ...base.record, ...changes } } as SignedRecord;
}

describe("reading a records-file line", () => {
  it("reads a line a pack writer makes on the short path, with the bytes its digests cover", () => {
    const line = lineOf(base);
    const read = readCanonicalLine(line, line.toString("utf8"));
    expect(read).toMatchObject({
      stream: base.record.stream,
      seq: 1,
      prev: base.record.prev,
      eventDigest: base.record.eventDigest,
      keyId: base.signature.keyId,
      signedAt: base.signature.signedAt,
      value: base.signature.value,
    });
    expect(read?.recordBytes.equals(canonicalBytes(base.record))).toBe(true);
    expect(read?.eventBytes?.equals(canonicalBytes(base.record.event))).toBe(true);
    expect(read?.event).toEqual(base.record.event);
  });

  it("reads a signature with a request id on the short path", () => {
    const signed = { ...base, signature: { ...base.signature, requestId: "req-0001" } };
    const line = lineOf(signed);
    expect(readCanonicalLine(line, line.toString("utf8"))).toMatchObject({ seq: 1 });
    expect(comparable(readRecordLine(line))).toEqual(
      comparable(readAnyLine(line, line.toString("utf8"))),
    );
  });

  it("counts bytes, not characters, when the event holds text outside ASCII", () => {
    const event = sampleEvent({ data: { ...sampleEvent().data, note: 'Größe "10" ✓ 🚀 \\' } });
    const signed = withRecord({ event });
    const line = lineOf(signed);
    const read = readCanonicalLine(line, line.toString("utf8"));
    expect(read?.eventBytes?.equals(canonicalBytes(event))).toBe(true);
    expect(read?.recordBytes.equals(canonicalBytes(signed.record))).toBe(true);
  });

  it("finds the record's own eventDigest when the event has a member of that name", () => {
    const data = { ...sampleEvent().data, eventDigest: base.record.eventDigest };
    const signed = withRecord({ event: sampleEvent({ data }) });
    const line = lineOf(signed);
    const read = readCanonicalLine(line, line.toString("utf8"));
    expect(read?.event).toEqual(signed.record.event);
    expect(read?.eventBytes?.equals(canonicalBytes(signed.record.event))).toBe(true);
  });

  it("leaves a tail with text to unescape or outside ASCII to the general reader", () => {
    for (const stream of ['release/"quoted"', "release/größe", "release/tab\t"]) {
      const line = lineOf(withRecord({ stream }));
      expect(readCanonicalLine(line, line.toString("utf8"))).toBeUndefined();
      const read = readRecordLine(line);
      expect(read).toMatchObject({ stream });
      expect(comparable(read)).toEqual(comparable(readAnyLine(line, line.toString("utf8"))));
    }
  });

  it("leaves a seq beyond the safe integers to the general reader's refusal", () => {
    const line = Buffer.from(
      lineOf(base).toString("utf8").replace('"seq":1,', '"seq":90071992547409931,'),
    );
    expect(readRecordLine(line)).toBe("the record's seq is not a positive integer");
  });

  it("says what is wrong with a line that is not a signed record", () => {
    expect(readRecordLine(Buffer.alloc(0))).toBe("the line is empty");
    expect(readRecordLine(Buffer.from("{"))).toMatch(/^the line is not JSON/);
    expect(readRecordLine(Buffer.from('{"signature":{},"record":{}}'))).toMatch(/recordVersion/);
    const other = lineOf(base).toString("utf8").replace("ECDSA_SHA_256", "RSA");
    expect(readRecordLine(Buffer.from(other))).toMatch(/signature algorithm is "RSA"/);
  });

  it("agrees with the general reader on any line, however it was changed (property)", () => {
    const lines = records.map((signed) => lineOf(signed).toString("latin1"));
    const edit = fc.record({
      line: fc.nat({ max: lines.length - 1 }),
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.oneof(
        fc.string({ maxLength: 3 }),
        fc.constantFrom('"', "\\", " ", ",", "}", "{", "0", "9", "é", '"x":1,', '\\"'),
      ),
    });
    fc.assert(
      fc.property(edit, ({ line, at, remove, insert }) => {
        const text = lines[line] as string;
        const cut = at % (text.length + 1);
        const changed = Buffer.concat([
          Buffer.from(text.slice(0, cut), "latin1"),
          Buffer.from(insert, "utf8"),
          Buffer.from(text.slice(cut + remove), "latin1"),
        ]);
        expect(comparable(readRecordLine(changed))).toEqual(
          comparable(readAnyLine(changed, changed.toString("utf8"))),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
