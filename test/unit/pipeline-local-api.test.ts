import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { healthRoute, type LocalApi, startLocalApi } from "../../lib/local/api-server.ts";

describe("the local API (API Gateway proxy events for any Lambda handler)", () => {
  let api: LocalApi | undefined;

  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it("hands the handler the proxy event the deployed API would send", async () => {
    const seen: APIGatewayProxyEvent[] = [];
    api = await startLocalApi([
      {
        method: "ANY",
        path: "/packs/{packId}/{proxy+}",
        handler: async (event) => {
          seen.push(event);
          return { statusCode: 202, headers: { "x-pack": "yes" }, body: '{"ok":true}' };
        },
      },
    ]);

    const response = await fetch(`${api.url}/packs/p%2D1/files/a.json?scope=release&scope=x`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"release":"r-1"}',
    });

    expect(response.status).toBe(202);
    expect(response.headers.get("x-pack")).toBe("yes");
    expect(await response.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      resource: "/packs/{packId}/{proxy+}",
      path: "/packs/p%2D1/files/a.json",
      httpMethod: "POST",
      pathParameters: { packId: "p-1", proxy: "files/a.json" },
      queryStringParameters: { scope: "x" },
      multiValueQueryStringParameters: { scope: ["release", "x"] },
      body: '{"release":"r-1"}',
      isBase64Encoded: false,
      requestContext: {
        stage: "local",
        httpMethod: "POST",
        resourcePath: "/packs/{packId}/{proxy+}",
      },
    });
  });

  it("passes binary bodies base64-encoded both ways", async () => {
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    api = await startLocalApi([
      {
        method: "PUT",
        path: "/blob",
        handler: async (event) => ({
          statusCode: 200,
          headers: { "content-type": "application/octet-stream" },
          body: event.body ?? "",
          isBase64Encoded: event.isBase64Encoded,
        }),
      },
    ]);

    const response = await fetch(`${api.url}/blob`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });

    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it("answers 404 for a path no route takes, and serves the health route", async () => {
    api = await startLocalApi([healthRoute]);

    const missing = await fetch(`${api.url}/nowhere`);
    const health = await fetch(`${api.url}/health`);

    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: "no route for GET /nowhere" });
    expect(await health.json()).toEqual({ status: "ok" });
  });
});
