import type { JsonObject } from "../../lib/core/canonical/index.ts";

/** A valid build.completed event of `releaseId`, distinct for each `n`. */
export function sampleBuild(releaseId: string, n: number): JsonObject {
  const hex = n.toString(16).padStart(4, "0");
  return {
    id: `${releaseId.replace(/[^A-Za-z0-9._:-]/g, "-")}:build:${n}`,
    type: "build.completed",
    specVersion: "1.0",
    occurredAt: "2026-06-01T10:00:00Z",
    subject: {
      releaseId,
      service: "checkout-web",
      repository: "github.com/example-shop/checkout-web",
      commit: `${hex}${"a".repeat(36)}`,
      artifactDigest: `sha256:${hex}${"b".repeat(60)}`,
    },
    actor: { kind: "workload", id: "github-actions" },
    data: {
      buildId: `b-${n}`,
      builder: {
        id: "https://github.com/example-shop/checkout-web/.github/workflows/build.yml@refs/heads/main",
      },
      artifactName: "checkout-web",
    },
  };
}
