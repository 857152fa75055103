import { describe, expect, it } from "vitest";
import { validateEvent } from "../../lib/core/events/index.ts";
import { checkDelivery, MAX_MESSAGE_BYTES, shorten } from "../../lib/pipeline/delivery.ts";
import { sampleEvent } from "../helpers/events.ts";

function envelope(detail: string, fields: Record<string, string> = {}): string {
  const head = {
    version: "0",
    id: "eb-1",
    "detail-type": "build.completed",
    source: "evidence.ci",
    account: "111122223333",
    time: "2025-03-01T12:00:00Z",
    ...fields,
  };
  return `${JSON.stringify(head).slice(0, -1)},"detail":${detail}}`;
}

describe("checkDelivery", () => {
  it("accepts an EventBridge event whose detail is a valid evidence event", () => {
    const check = checkDelivery(envelope(JSON.stringify(sampleEvent())), validateEvent);

    expect(check).toMatchObject({
      ok: true,
      envelope: { account: "111122223333", source: "evidence.ci", detailType: "build.completed" },
      event: { id: sampleEvent().id },
    });
  });

  it("reads the raw text strictly: a duplicate member is refused, not resolved", () => {
    const detail = JSON.stringify(sampleEvent()).replace(
      '"type":"build.completed"',
      '"type":"build.completed","type":"deploy.completed"',
    );

    const check = checkDelivery(envelope(detail), validateEvent);

    expect(check).toMatchObject({
      ok: false,
      reasons: [{ code: "duplicate-key", path: "$.detail.type" }],
    });
  });

  it("refuses integers JSON.parse would round", () => {
    const detail = JSON.stringify(sampleEvent()).replace('"b-1"', "9007199254740993");

    const check = checkDelivery(envelope(detail), validateEvent);

    expect(check).toMatchObject({ ok: false, reasons: [{ code: "unsafe-integer" }] });
  });

  it("refuses a source outside evidence.*", () => {
    const check = checkDelivery(
      envelope(JSON.stringify(sampleEvent()), { source: "aws.codebuild" }),
      validateEvent,
    );

    expect(check).toMatchObject({
      ok: false,
      reasons: [{ code: "wrong-source", path: "source", found: '"aws.codebuild"' }],
      envelope: { source: "aws.codebuild" },
    });
  });

  it("refuses a detail-type that is not the event's type", () => {
    const check = checkDelivery(
      envelope(JSON.stringify(sampleEvent()), { "detail-type": "deploy.completed" }),
      validateEvent,
    );

    expect(check).toMatchObject({
      ok: false,
      reasons: [{ code: "detail-type-mismatch", expected: '"build.completed"' }],
    });
  });

  it("refuses a message over the size limit before parsing it", () => {
    const body = envelope(JSON.stringify({ pad: "x".repeat(MAX_MESSAGE_BYTES) }));

    expect(checkDelivery(body, validateEvent)).toMatchObject({
      ok: false,
      reasons: [{ code: "oversized", path: "$" }],
    });
  });

  it("refuses an envelope without an account, unless told which account to assume", () => {
    const body = JSON.stringify({
      id: "eb-1",
      "detail-type": "build.completed",
      source: "evidence.ci",
      time: "2025-03-01T12:00:00Z",
      detail: sampleEvent(),
    });

    expect(checkDelivery(body, validateEvent)).toMatchObject({
      ok: false,
      reasons: [{ code: "not-an-eventbridge-event", path: "account" }],
    });
    expect(
      checkDelivery(body, validateEvent, { accountWhenMissing: "123456789012" }),
    ).toMatchObject({ ok: true, envelope: { account: "123456789012" } });
  });

  it("reports every issue the catalogue finds, each with path, expected and found", () => {
    const event = sampleEvent({ occurredAt: "yesterday", specVersion: "9" });

    const check = checkDelivery(envelope(JSON.stringify(event)), validateEvent);

    expect(check.ok).toBe(false);
    const reasons = check.ok ? [] : check.reasons;
    expect(reasons.length).toBeGreaterThanOrEqual(2);
    for (const reason of reasons) {
      expect(reason).toMatchObject({ code: "invalid-event" });
      expect(reason.path).toMatch(/^\$/);
      expect(reason.message).toMatch(/\w/);
    }
  });
});

describe("shorten", () => {
  it("quotes and bounds what it repeats of hostile input", () => {
    const hostile = `\u001b[2J${"A".repeat(500)}`;

    const shown = shorten(hostile);

    expect(shown.startsWith('"\\u001b[2J')).toBe(true);
    expect(shown.length).toBeLessThan(200);
    expect(shown).toMatch(/\(\d+ characters\)$/);
  });
});
