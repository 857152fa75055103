import { createServer, type Server, type Socket } from "node:net";
import { KMSClient, ListKeysCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, EMULATOR_CREDENTIALS } from "../../lib/adapters/aws-config.ts";

// A server that accepts every connection and never answers: a hung emulator or endpoint.
let server: Server;
let endpoint: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("SDK clients built from clientConfig", () => {
  it("give up on a connection that stays silent, and retry, instead of waiting forever", async () => {
    const client = new KMSClient(
      clientConfig({
        region: "us-east-1",
        endpoint,
        credentials: EMULATOR_CREDENTIALS,
        maxAttempts: 2,
        socketTimeoutMs: 300,
      }),
    );
    const started = Date.now();

    const outcome = await client.send(new ListKeysCommand({})).then(
      () => "answered",
      (error: Error) => error.name,
    );

    expect(outcome).toBe("TimeoutError");
    // Both attempts reached the server, each ended by the timeout.
    expect(sockets.length).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    client.destroy();
  });

  it("allow 30 s of silence by default: longer than an SQS long poll", () => {
    expect(clientConfig({ region: "us-east-1" }).requestHandler.socketTimeout).toBe(30_000);
  });
});
