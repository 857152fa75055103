/** Static credentials (the emulator accepts any). */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Where and as whom AWS SDK clients talk: a real account, or the local emulator. */
export interface AwsTarget {
  readonly region: string;
  /** Set for the local emulator; unset for AWS itself. */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity;
  /**
   * Attempts per call, first included. The SDK's standard retry strategy backs off
   * exponentially with full jitter on throttling (429, ThrottlingException...) and 5xx errors.
   * @default 6
   */
  readonly maxAttempts?: number;
  /**
   * Milliseconds a connection may stay silent before the call fails and is retried: a server
   * that stops answering must not hold a handler (or a local poller) until some outer deadline.
   * Longer than the longest wait the plane asks for (an SQS long poll of up to 20 s).
   * @default 30_000
   */
  readonly socketTimeoutMs?: number;
}

/** The emulator accepts any credentials; these make it explicit that none are real. */
export const EMULATOR_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: "emulator",
  secretAccessKey: "emulator",
};

/** The account id the emulator reports for every resource. */
export const EMULATOR_ACCOUNT = "123456789012";

/** A target for the local emulator at `endpoint`. */
export function emulatorTarget(endpoint: string, region = "us-east-1"): AwsTarget {
  return { region, endpoint, credentials: EMULATOR_CREDENTIALS };
}

/**
 * The target a Lambda function runs against: its own Region and role, unless `AWS_ENDPOINT_URL`
 * points it at an emulator.
 */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): AwsTarget {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const endpoint = env.AWS_ENDPOINT_URL;
  return endpoint ? { region, endpoint } : { region };
}

/** Configuration shared by every SDK client built for `target`. */
export function clientConfig(target: AwsTarget): {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity;
  maxAttempts: number;
  retryMode: "standard";
  requestHandler: { connectionTimeout: number; socketTimeout: number };
} {
  return {
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    maxAttempts: target.maxAttempts ?? 6,
    retryMode: "standard",
    requestHandler: { connectionTimeout: 5_000, socketTimeout: target.socketTimeoutMs ?? 30_000 },
  };
}
