import { DeleteObjectCommand, type S3Client, S3ServiceException } from "@aws-sdk/client-s3";

/** What S3 answered to a delete of a locked object version. */
export interface DeleteAttempt {
  readonly denied: boolean;
  /** S3's error code (AccessDenied) when denied. */
  readonly code?: string;
  readonly status?: number;
  readonly message?: string;
}

/**
 * Asks S3 to delete one object version and reports whether Object Lock refused. The evidence
 * plane itself never deletes: this exists to show (in the demo and the tests) that nobody can.
 */
export async function attemptVersionDelete(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: string,
): Promise<DeleteAttempt> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return { denied: false };
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    const status = error.$metadata.httpStatusCode;
    return {
      denied: status === 403,
      code: error.name,
      ...(status === undefined ? {} : { status }),
      message: error.message,
    };
  }
}
