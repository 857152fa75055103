/**
 * What the CI system a command runs in says about the run, read from the variables each system
 * sets on every job. docs/producers.md has the full mapping.
 */

/** CI systems recognised, as they appear in the EventBridge source `evidence.<system>`. */
export type CiSystem = "github-actions" | "codebuild" | "gitlab-ci";

/** The run a command is part of. Every member but `system` may be missing. */
export interface CiContext {
  readonly system: CiSystem;
  /** Commit being built (40 or 64 lowercase hex). */
  readonly commit?: string;
  /** Branch name, without `refs/heads/`. */
  readonly branch?: string;
  /** Repository as host/path, e.g. `github.com/acme/web`. */
  readonly repository?: string;
  /** Identifies the run: stable across retries of a step within one job execution. */
  readonly runId?: string;
  /** Identifies one execution of the job within the run (an attempt, a job id). */
  readonly execution?: string;
  /** Tells steps of one job apart where the system says so (GitHub's step id). */
  readonly step?: string;
  /** The CI workload, as `actor.id` of the events it emits (an OIDC subject, a project ARN). */
  readonly workloadId?: string;
  /** Who vouches for `workloadId` (the OIDC issuer, the service). */
  readonly issuer?: string;
  /** The person or bot that started the run. */
  readonly triggeredBy?: string;
  /** Human-readable description of the run for `actor.displayName`. */
  readonly description?: string;
  /** Link to the run, https. */
  readonly runUrl?: string;
  /** The pipeline definition (workflow ref, project ARN, job name) for `builder.id`. */
  readonly definition?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function commit(text: string | undefined): string | undefined {
  const lower = text?.toLowerCase();
  return lower !== undefined && COMMIT.test(lower) ? lower : undefined;
}

function host(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** `https://github.com/acme/web.git` → `github.com/acme/web`; other forms are kept as given. */
export function repositoryFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const https = /^https?:\/\/(?:[^@/]+@)?([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(url);
  if (https) return `${https[1]}/${https[2]}`;
  const ssh = /^(?:ssh:\/\/)?git@([^:/]+)[:/](.+?)(?:\.git)?$/.exec(url);
  if (ssh) return `${ssh[1]}/${ssh[2]}`;
  return url;
}

function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
}

function githubActions(env: Env): CiContext {
  const server = value(env, "GITHUB_SERVER_URL") ?? "https://github.com";
  const repository = value(env, "GITHUB_REPOSITORY");
  const runId = value(env, "GITHUB_RUN_ID");
  const ref = value(env, "GITHUB_REF");
  const branch =
    value(env, "GITHUB_HEAD_REF") ??
    (value(env, "GITHUB_REF_TYPE") === "branch" ? value(env, "GITHUB_REF_NAME") : undefined);
  const workflow = value(env, "GITHUB_WORKFLOW_REF");
  const actor = value(env, "GITHUB_TRIGGERING_ACTOR") ?? value(env, "GITHUB_ACTOR");
  return defined({
    system: "github-actions" as const,
    commit: commit(value(env, "GITHUB_SHA")),
    branch,
    repository: repository ? `${host(server) ?? "github.com"}/${repository}` : undefined,
    runId,
    execution: [value(env, "GITHUB_JOB"), value(env, "GITHUB_RUN_ATTEMPT")]
      .filter((x) => x !== undefined)
      .join("#"),
    step: value(env, "GITHUB_ACTION"),
    // The subject GitHub's OIDC tokens carry for a push: what a role trust policy matches.
    workloadId: repository && ref ? `repo:${repository}:ref:${ref}` : undefined,
    issuer: "https://token.actions.githubusercontent.com",
    triggeredBy: actor,
    description: [
      value(env, "GITHUB_WORKFLOW") ?? "workflow",
      runId ? `run ${runId}` : undefined,
      actor ? `triggered by ${actor}` : undefined,
    ]
      .filter((x) => x !== undefined)
      .join(", "),
    runUrl: repository && runId ? `${server}/${repository}/actions/runs/${runId}` : undefined,
    definition: workflow ? `${host(server) ?? "github.com"}/${workflow}` : undefined,
  });
}

function codebuild(env: Env): CiContext {
  const buildId = value(env, "CODEBUILD_BUILD_ID");
  const buildArn = value(env, "CODEBUILD_BUILD_ARN");
  const project = buildId?.split(":")[0];
  const arnParts = buildArn?.split(":");
  const region = arnParts?.[3] ?? value(env, "AWS_REGION");
  const projectArn =
    arnParts && project
      ? `arn:${arnParts[1]}:codebuild:${arnParts[3]}:${arnParts[4]}:project/${project}`
      : undefined;
  const headRef = value(env, "CODEBUILD_WEBHOOK_HEAD_REF");
  const initiator = value(env, "CODEBUILD_INITIATOR");
  return defined({
    system: "codebuild" as const,
    commit: commit(value(env, "CODEBUILD_RESOLVED_SOURCE_VERSION")),
    branch: headRef?.startsWith("refs/heads/") ? headRef.slice("refs/heads/".length) : undefined,
    repository: repositoryFromUrl(value(env, "CODEBUILD_SOURCE_REPO_URL")),
    runId: buildId,
    execution: buildId,
    workloadId: projectArn,
    issuer: "codebuild.amazonaws.com",
    triggeredBy: initiator,
    description: [
      project ? `${project} build ${value(env, "CODEBUILD_BUILD_NUMBER") ?? buildId}` : undefined,
      initiator ? `started by ${initiator}` : undefined,
    ]
      .filter((x) => x !== undefined)
      .join(", "),
    runUrl:
      project && buildId && region
        ? `https://${region}.console.aws.amazon.com/codesuite/codebuild/projects/${encodeURIComponent(project)}/build/${encodeURIComponent(buildId)}/?region=${region}`
        : undefined,
    definition: projectArn,
  });
}

function gitlab(env: Env): CiContext {
  const server = value(env, "CI_SERVER_URL");
  const project = value(env, "CI_PROJECT_PATH");
  const pipeline = value(env, "CI_PIPELINE_ID");
  const ref = value(env, "CI_COMMIT_REF_NAME");
  const user = value(env, "GITLAB_USER_LOGIN");
  const refType = value(env, "CI_COMMIT_TAG") ? "tag" : "branch";
  return defined({
    system: "gitlab-ci" as const,
    commit: commit(value(env, "CI_COMMIT_SHA")),
    branch: value(env, "CI_COMMIT_BRANCH") ?? value(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
    repository: project
      ? `${host(server) ?? value(env, "CI_SERVER_HOST") ?? "gitlab.com"}/${project}`
      : undefined,
    runId: pipeline,
    execution: value(env, "CI_JOB_ID"),
    // The subject GitLab's ID tokens carry: what a role trust policy matches.
    workloadId:
      project && ref ? `project_path:${project}:ref_type:${refType}:ref:${ref}` : undefined,
    issuer: server,
    triggeredBy: user,
    description: [
      value(env, "CI_JOB_NAME") ? `job ${value(env, "CI_JOB_NAME")}` : undefined,
      pipeline ? `pipeline ${pipeline}` : undefined,
      user ? `triggered by ${user}` : undefined,
    ]
      .filter((x) => x !== undefined)
      .join(", "),
    runUrl: value(env, "CI_JOB_URL") ?? value(env, "CI_PIPELINE_URL"),
    definition: project
      ? `${project}/.gitlab-ci.yml${value(env, "CI_JOB_NAME") ? `#${value(env, "CI_JOB_NAME")}` : ""}`
      : undefined,
  });
}

/**
 * The CI run this process belongs to, from the environment, or undefined outside GitHub Actions
 * (`GITHUB_ACTIONS=true`), AWS CodeBuild (`CODEBUILD_BUILD_ID`) and GitLab CI (`GITLAB_CI=true`).
 */
export function detectCi(env: Env): CiContext | undefined {
  if (value(env, "GITHUB_ACTIONS") === "true") return githubActions(env);
  if (value(env, "CODEBUILD_BUILD_ID")) return codebuild(env);
  if (value(env, "GITLAB_CI") === "true") return gitlab(env);
  return undefined;
}
