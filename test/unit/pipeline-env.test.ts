import { describe, expect, it } from "vitest";
import { DEFAULT_RETENTION } from "../../lib/core/retention.ts";
import { PipelineEnvError, parseRetention, readPipelineEnv } from "../../lib/pipeline/env.ts";

describe("readPipelineEnv", () => {
  it("reads the function environment with defaults", () => {
    const env = readPipelineEnv({
      EVENT_TABLE: "events",
      EVIDENCE_BUCKET: "evidence",
      SIGNING_KEY_ID: "arn:aws:kms:eu-west-1:111122223333:key/k",
      AWS_REGION: "eu-west-1",
    });

    expect(env).toEqual({
      target: { region: "eu-west-1" },
      table: "events",
      bucket: "evidence",
      signingKeyId: "arn:aws:kms:eu-west-1:111122223333:key/k",
      lockMode: "COMPLIANCE",
      retention: DEFAULT_RETENTION,
    });
  });

  it("names the missing or wrong variable", () => {
    expect(() => readPipelineEnv({ EVIDENCE_BUCKET: "b" })).toThrow(/EVENT_TABLE is not set/);
    expect(() =>
      readPipelineEnv({ EVENT_TABLE: "t", EVIDENCE_BUCKET: "b", OBJECT_LOCK_MODE: "LEGAL" }),
    ).toThrow(PipelineEnvError);
  });
});

describe("parseRetention", () => {
  it("overrides the named classes only", () => {
    expect(parseRetention('{"release":3000}')).toEqual({
      ...DEFAULT_RETENTION,
      release: { days: 3000 },
    });
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["an array", "[]", /must be an object/],
    ["an unknown class", '{"forever":1}', /unknown class "forever"/],
    ["a fraction of a day", '{"release":1.5}', /whole number of days/],
    ["zero days", '{"release":0}', /whole number of days/],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseRetention(text)).toThrow(message);
  });
});
