import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

/** The IAM identity API Gateway puts in `requestContext.identity` after IAM authorization. */
export interface CallerIdentity {
  readonly userArn: string;
  readonly caller: string;
  readonly accountId: string;
  readonly accessKey: string;
}

/** Finds who signed a request, from its headers; undefined when it is not SigV4-signed. */
export type IdentifyCaller = (
  headers: Readonly<Record<string, string | string[] | undefined>>,
) => Promise<CallerIdentity | undefined>;

const CREDENTIAL = /Credential=([^/,\s]+)\//;

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

/**
 * Identifies callers the way API Gateway's IAM authorization does, against the emulator: the
 * access key id of the request's SigV4 signature is looked up with STS GetCallerIdentity (the
 * emulator answers for the key's user or assumed-role session). The emulator does not hold
 * secret keys to check the signature itself; API Gateway in AWS does. Results are cached per
 * access key.
 */
export function emulatorCallerIdentity(endpoint: string, region: string): IdentifyCaller {
  const cache = new Map<string, Promise<CallerIdentity | undefined>>();
  const url = new URL(endpoint);
  const lookup = async (
    accessKey: string,
    sessionToken: string | undefined,
  ): Promise<CallerIdentity | undefined> => {
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const signer = new SignatureV4({
      service: "sts",
      region,
      sha256: Sha256,
      credentials: {
        accessKeyId: accessKey,
        // The emulator identifies the key; it does not check the signature.
        secretAccessKey: "emulator",
        ...(sessionToken ? { sessionToken } : {}),
      },
    });
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: "/",
      headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const response = await fetch(new URL("/", endpoint), {
      method: "POST",
      headers: signed.headers as Record<string, string>,
      body,
    });
    const xml = await response.text();
    const arn = tag(xml, "Arn");
    if (!response.ok || !arn) return undefined;
    return {
      userArn: arn,
      caller: tag(xml, "UserId") ?? accessKey,
      accountId: tag(xml, "Account") ?? "",
      accessKey,
    };
  };
  return (headers) => {
    const lower = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]),
    );
    const accessKey = CREDENTIAL.exec(lower.authorization ?? "")?.[1];
    if (!accessKey) return Promise.resolve(undefined);
    let found = cache.get(accessKey);
    if (!found) {
      found = lookup(accessKey, lower["x-amz-security-token"]);
      found.catch(() => cache.delete(accessKey));
      cache.set(accessKey, found);
    }
    return found;
  };
}
