import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { CallerIdentity, IdentifyCaller } from "./caller-identity.ts";
import { lambdaContext } from "./lambda-context.ts";

/** A Lambda handler behind an API Gateway REST proxy integration. */
export type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/** One mounted route: `path` is an API Gateway resource path such as `/packs/{packId}` or `/{proxy+}`. */
export interface ProxyRoute {
  readonly method: string | "ANY";
  readonly path: string;
  readonly handler: ProxyHandler;
}

/** A running local API. */
export interface LocalApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/** Largest request body the local API accepts (API Gateway's payload limit). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Serves Lambda proxy handlers on a loopback port, turning each HTTP request into the API Gateway
 * proxy event the deployed API would send and the handler's result back into a response. The
 * emulator does not serve API Gateway requests, so this is how the same handler code runs locally.
 */
export async function startLocalApi(
  routes: readonly ProxyRoute[],
  options: { port?: number; stage?: string; identify?: IdentifyCaller } = {},
): Promise<LocalApi> {
  const compiled = routes.map((route) => ({ route, match: compilePath(route.path) }));
  const identify = options.identify ?? (async () => undefined);
  const server = createServer((request, response) => {
    handle(request, response, compiled, options.stage ?? "local", identify).catch(
      (error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ message: `local API error: ${(error as Error).message}` }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => close(server) };
}

/** Routes a health check answers on, for the plane and its tests. */
export const healthRoute: ProxyRoute = {
  method: "GET",
  path: "/health",
  handler: async () => ({
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status: "ok" }),
  }),
};

type Matcher = (path: string) => Record<string, string> | undefined;

function compilePath(resourcePath: string): Matcher {
  const names: string[] = [];
  const pattern = resourcePath
    .split("/")
    .map((segment) => {
      const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        names.push(greedy[1]);
        return "(.+)";
      }
      const param = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
      if (param?.[1]) {
        names.push(param[1]);
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  const regex = new RegExp(`^${pattern}$`);
  return (path) => {
    const match = regex.exec(path);
    if (!match) return undefined;
    return Object.fromEntries(
      names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]),
    );
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  routes: ReadonlyArray<{ route: ProxyRoute; match: Matcher }>,
  stage: string,
  identify: IdentifyCaller,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const method = request.method ?? "GET";
  let found: { route: ProxyRoute; params: Record<string, string> } | undefined;
  for (const { route, match } of routes) {
    if (route.method !== "ANY" && route.method !== method) continue;
    const params = match(url.pathname);
    if (params) {
      found = { route, params };
      break;
    }
  }
  if (!found) {
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ message: `no route for ${method} ${url.pathname}` }));
    return;
  }
  const body = await readBody(request);
  const caller = await identify(request.headers);
  const event = toProxyEvent(request, url, method, body, found.route.path, found.params, stage);
  if (caller) withCaller(event, caller);
  const result = await found.route.handler(event, lambdaContext("api"));
  writeResult(response, result);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body larger than 10 MB"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function toProxyEvent(
  request: IncomingMessage,
  url: URL,
  method: string,
  body: Buffer,
  resource: string,
  pathParameters: Record<string, string>,
  stage: string,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? "";
    const value = request.rawHeaders[i + 1] ?? "";
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  const contentType = String(request.headers["content-type"] ?? "");
  const isText =
    body.length === 0 || /^(text\/|application\/(json|x-www-form-urlencoded))/.test(contentType);
  const requestId = randomUUID();
  return {
    resource,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: url.searchParams.size > 0 ? query : null,
    multiValueQueryStringParameters: url.searchParams.size > 0 ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    body: body.length === 0 ? null : isText ? body.toString("utf8") : body.toString("base64"),
    isBase64Encoded: !isText,
    requestContext: {
      accountId: "123456789012",
      apiId: "local",
      authorizer: null,
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        user: null,
        userAgent: String(request.headers["user-agent"] ?? ""),
        userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      stage,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: "local",
      resourcePath: resource,
    },
  };
}

/** Fills in the identity API Gateway's IAM authorization would put in the request context. */
function withCaller(event: APIGatewayProxyEvent, caller: CallerIdentity): void {
  const identity = event.requestContext.identity;
  identity.userArn = caller.userArn;
  identity.caller = caller.caller;
  identity.accountId = caller.accountId;
  identity.accessKey = caller.accessKey;
  identity.user = caller.caller;
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = values.map(String);
  }
  response.writeHead(result.statusCode, headers);
  const body = result.body ?? "";
  response.end(result.isBase64Encoded ? Buffer.from(body, "base64") : body);
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
