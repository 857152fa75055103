import { describe, expect, it } from "vitest";
import { ApiError, PackApiClient, regionOfApi } from "../../lib/cli/api-client.ts";
import { runCli } from "../helpers/cli.ts";

describe("evidence pack and evidence legal-hold usage", () => {
  it("prints its usage with --help, and exits 2 without an action", async () => {
    const help = await runCli(["pack", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: evidence pack create/);
    expect((await runCli(["pack"])).code).toBe(2);
    expect((await runCli(["legal-hold", "--help"])).stdout).toMatch(
      /must be released\s+by a different principal/,
    );
  });

  it.each([
    [["pack", "create"], /name what to pack: --release, --commit, --artifact, or --from with --to/],
    [
      ["pack", "create", "--release", "a@1", "--commit", "a".repeat(40)],
      /give one scope, not --release and --commit/,
    ],
    [["pack", "create", "--from", "2026-03-01T00:00:00Z"], /a window needs both --from and --to/],
    [["pack", "create", "--release", "a@1", "--service", "s"], /--service narrows a window/],
    [
      ["pack", "create", "--release", "a@1", "-o", "x.tar.gz"],
      /-o FILE saves the pack once it is ready: give --wait with it/,
    ],
    [
      ["pack", "create", "--release", "a@1", "--timeout", "soon"],
      /--timeout takes a number of seconds/,
    ],
    [["pack", "download", "pack-1"], /download needs -o FILE/],
    [["pack", "remove", "pack-1"], /unknown action "remove": create, status or download/],
    [["legal-hold", "apply", "--release", "a@1", "--reason", "r"], /give the case id with --case/],
    [["legal-hold", "apply", "--release", "a@1", "--case", "C-1"], /give the reason with --reason/],
    [
      ["legal-hold", "apply", "--case", "C-1", "--reason", "r"],
      /name what to hold: --release ID, or --from and --to/,
    ],
    [
      [
        "legal-hold",
        "release",
        "--case",
        "C-1",
        "--reason",
        "r",
        "--release",
        "a@1",
        "--from",
        "x",
        "--to",
        "y",
      ],
      /give --release or --from\/--to, not both/,
    ],
  ])("refuses %j with a message that says what to do", async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("will not verify a deployed API's pack without a key to trust, before asking for anything", async () => {
    const run = await runCli([
      "pack",
      "create",
      "--release",
      "a@1",
      "--wait",
      "-o",
      "x.tar.gz",
      "--api",
      "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /verifying the pack needs the signing key you trust: give --public-key FILE/,
    );
  });
});

describe("the pack API client", () => {
  const credentials = async () => ({
    accessKeyId: "AKIAAUDITOR",
    secretAccessKey: "secret",
    sessionToken: "token",
  });

  it("signs each request with SigV4 for execute-api in the API's Region", async () => {
    // Prepare
    let seen: { url: string; init: RequestInit } | undefined;
    const fetcher = (async (url: URL, init: RequestInit) => {
      seen = { url: url.href, init };
      return new Response(JSON.stringify({ packId: "pack-1" }), { status: 202 });
    }) as unknown as typeof fetch;
    const client = new PackApiClient({
      url: "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
      credentials,
      fetch: fetcher,
    });
    // Act
    const answer = await client.request("POST", "/packs", {
      scope: { kind: "release", releaseId: "a@1" },
    });
    // Assess
    expect(answer).toEqual({ status: 202, body: { packId: "pack-1" } });
    expect(seen?.url).toBe("https://abc123.execute-api.eu-west-1.amazonaws.com/v1/packs");
    const headers = seen?.init.headers as Record<string, string>;
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAAUDITOR\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-date[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers["x-amz-security-token"]).toBe("token");
    expect(seen?.init.body).toBe('{"scope":{"kind":"release","releaseId":"a@1"}}');
  });

  it("turns an error answer into an ApiError with its code and message", async () => {
    const fetcher = (async () =>
      new Response(
        JSON.stringify({
          code: "same-principal",
          message: "a different principal must release it",
        }),
        {
          status: 403,
        },
      )) as unknown as typeof fetch;
    const client = new PackApiClient({ url: "http://127.0.0.1:1", credentials, fetch: fetcher });
    const error = await client
      .request("POST", "/legal-holds/C-1/release", { reason: "r" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 403,
      code: "same-principal",
      message: "a different principal must release it",
    });
  });

  it("reads the Region from an execute-api host name", () => {
    expect(regionOfApi(new URL("https://abc.execute-api.ap-southeast-2.amazonaws.com/v1"))).toBe(
      "ap-southeast-2",
    );
    expect(regionOfApi(new URL("http://127.0.0.1:4000"))).toBeUndefined();
  });
});
