import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

/** AWS credentials, as the SDK's providers give them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A function that finds credentials (the SDK's credential providers have this shape). */
export type CredentialProvider = () => Promise<AwsCredentials>;

/** Raised when the API answers with an error; carries its status and error code. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Raised when no AWS credentials can be found to sign requests with. */
export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
}

export interface ApiClientOptions {
  /** Base URL of the API, for example `https://abc123.execute-api.eu-west-1.amazonaws.com/v1`. */
  readonly url: string;
  /** Signs every request; the standard chain (environment, profiles, SSO) when left out. */
  readonly credentials?: CredentialProvider;
  /** Region of the API; read from an execute-api host name, else AWS_REGION, else us-east-1. */
  readonly region?: string;
  readonly fetch?: typeof fetch;
}

/** The region of an `execute-api` URL, or undefined for any other host. */
export function regionOfApi(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
}

/** The standard AWS credential chain: environment, shared config and credentials files, SSO, process, IMDS. */
export async function defaultCredentials(): Promise<CredentialProvider> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  return fromNodeProviderChain();
}

/**
 * A client of the pack API that signs each request with AWS Signature Version 4 (service
 * `execute-api`), as the API's IAM authorization requires.
 *
 * @example
 * const api = new PackApiClient({ url: "https://abc123.execute-api.eu-west-1.amazonaws.com/v1" });
 * const job = await api.request("POST", "/packs", { scope: { kind: "release", releaseId: "r-42" } });
 */
export class PackApiClient {
  readonly url: URL;
  readonly region: string;
  private readonly credentials: CredentialProvider | undefined;
  private readonly fetcher: typeof fetch;
  private signer: Promise<SignatureV4> | undefined;

  constructor(options: ApiClientOptions) {
    this.url = new URL(options.url.endsWith("/") ? options.url : `${options.url}/`);
    this.region = options.region ?? regionOfApi(this.url) ?? process.env.AWS_REGION ?? "us-east-1";
    this.credentials = options.credentials;
    this.fetcher = options.fetch ?? fetch;
  }

  private async getSigner(): Promise<SignatureV4> {
    this.signer ??= (async () => {
      const provider = this.credentials ?? (await defaultCredentials());
      // A provider, not fixed keys: session credentials are refreshed during a long wait.
      const credentials = async (): Promise<AwsCredentials> => {
        try {
          return await provider();
        } catch (error) {
          throw new CredentialsError(
            `no AWS credentials to sign the request with (${(error as Error).message}); set AWS_PROFILE, run \`aws sso login\`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
          );
        }
      };
      return new SignatureV4({
        service: "execute-api",
        region: this.region,
        sha256: Sha256,
        credentials,
      });
    })();
    return this.signer;
  }

  /** Sends a signed request and returns the parsed JSON body; throws {@link ApiError} on 4xx/5xx. */
  async request<T = unknown>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const target = new URL(path.replace(/^\//, ""), this.url);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const query: Record<string, string> = {};
    for (const [name, value] of target.searchParams) query[name] = value;
    const signed = await (await this.getSigner()).sign({
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: Number(target.port) } : {}),
      path: target.pathname,
      query,
      headers: {
        host: target.host,
        accept: "application/json",
        ...(text === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(text === undefined ? {} : { body: text }),
    });
    let response: Response;
    try {
      response = await this.fetcher(target, {
        method,
        headers: signed.headers as Record<string, string>,
        ...(text === undefined ? {} : { body: text }),
      });
    } catch (error) {
      throw new ApiError(
        0,
        "unreachable",
        `cannot reach the pack API at ${this.url.href}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      );
    }
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch {
      parsed = raw;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: unknown; message?: unknown; Message?: unknown };
      const message =
        typeof error.message === "string"
          ? error.message
          : typeof error.Message === "string"
            ? error.Message
            : `HTTP ${response.status} ${response.statusText}`;
      throw new ApiError(
        response.status,
        typeof error.code === "string" ? error.code : `http-${response.status}`,
        message,
      );
    }
    return { status: response.status, body: parsed as T };
  }
}

/** The pack API to talk to, and the local plane's files when it is the local plane's. */
export interface ApiConnection {
  readonly client: PackApiClient;
  /** The local plane's signing public key file, when the API is the local plane's. */
  readonly localPublicKeyFile?: string;
}

/** Raised when there is no API to talk to; the message says how to name one. */
export class NoApiError extends Error {
  override readonly name = "NoApiError";
}

/**
 * Connects to `--api URL`, or to the running local plane's API (.evidence-local/endpoints.json).
 * Requests are signed with the standard AWS credential chain; against the local plane, when
 * the chain finds nothing, with placeholder keys the emulator accepts (it identifies them as
 * its default user).
 */
export async function connectToApi(options: {
  readonly api?: string;
  readonly region?: string;
  readonly credentials?: CredentialProvider;
}): Promise<ApiConnection> {
  if (options.api) {
    return {
      client: new PackApiClient({
        url: options.api,
        ...(options.region ? { region: options.region } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      }),
    };
  }
  const { readEndpoints, NoLocalPlaneError } = await import("../local/endpoints.ts");
  let endpoints: Awaited<ReturnType<typeof readEndpoints>>;
  try {
    endpoints = await readEndpoints();
  } catch (error) {
    if (error instanceof NoLocalPlaneError) {
      throw new NoApiError(`${error.message}, or give the deployed API with --api URL`);
    }
    throw error;
  }
  const chain = options.credentials ?? (await defaultCredentials());
  const local: CredentialProvider = async () => {
    try {
      return await chain();
    } catch {
      return { accessKeyId: "AKIAEVIDENCELOCAL", secretAccessKey: "evidence-local" };
    }
  };
  return {
    client: new PackApiClient({
      url: endpoints.apiUrl,
      region: endpoints.region,
      credentials: local,
    }),
    localPublicKeyFile: endpoints.publicKeyFile,
  };
}
