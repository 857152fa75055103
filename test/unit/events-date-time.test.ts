import { fullFormats } from "ajv-formats/dist/formats.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withFastPath } from "../../lib/core/events/date-time-format.ts";

const full = (fullFormats["date-time"] as { validate: (text: string) => boolean }).validate;
const fast = withFastPath(full);

const pad = (value: number, width: number) => String(value).padStart(width, "0");

/** Timestamps in the common shape with every field anywhere in its digits' range. */
const shaped = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 99 }),
    day: fc.integer({ min: 0, max: 99 }),
    hour: fc.integer({ min: 0, max: 99 }),
    minute: fc.integer({ min: 0, max: 99 }),
    second: fc.integer({ min: 0, max: 99 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{0,12}$/), { nil: undefined }),
    separator: fc.constantFrom("T", "t", " "),
    zone: fc.constantFrom("Z", "z", "+00:00", "-05:30", "+2400", ""),
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}${t.separator}${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction === undefined ? "" : `.${t.fraction}`}${t.zone}`,
  );

describe("the date-time format's fast path", () => {
  it("gives ajv-formats' verdict on timestamps of every field value (property)", () => {
    fc.assert(
      fc.property(shaped, (text) => {
        expect(fast(text)).toBe(full(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it("gives ajv-formats' verdict on any text (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        expect(fast(text)).toBe(full(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it("agrees on the calendar's edges", () => {
    const cases = [
      "2024-02-29T12:00:00Z",
      "2023-02-29T12:00:00Z",
      "1900-02-29T00:00:00Z",
      "2000-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-12-31T23:59:59.999999999Z",
      "2016-12-31T23:59:60Z",
      "2026-01-01T24:00:00Z",
      "2026-00-10T10:00:00Z",
      "2026-01-00T10:00:00Z",
      "2026-01-01T10:00:00.Z",
      "2026-01-01T10:00:00Z ",
      "２０２６-01-01T10:00:00Z",
    ];
    for (const text of cases) expect(fast(text), text).toBe(full(text));
    expect(fast("2024-02-29T12:00:00Z")).toBe(true);
    expect(fast("2023-02-29T12:00:00Z")).toBe(false);
  });
});
