import { describe, expect, it } from "vitest";
import { detectCi, repositoryFromUrl } from "../../lib/emit/ci.ts";

const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

describe("detectCi", () => {
  it("reads GitHub Actions", () => {
    const ci = detectCi({
      GITHUB_ACTIONS: "true",
      GITHUB_SHA: SHA,
      GITHUB_REF: "refs/heads/main",
      GITHUB_REF_NAME: "main",
      GITHUB_REF_TYPE: "branch",
      GITHUB_REPOSITORY: "acme/web",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "9876543210",
      GITHUB_RUN_ATTEMPT: "2",
      GITHUB_JOB: "build",
      GITHUB_ACTION: "__run_3",
      GITHUB_ACTOR: "octocat",
      GITHUB_WORKFLOW: "release",
      GITHUB_WORKFLOW_REF: "acme/web/.github/workflows/release.yml@refs/heads/main",
    });
    expect(ci).toEqual({
      system: "github-actions",
      commit: SHA,
      branch: "main",
      repository: "github.com/acme/web",
      runId: "9876543210",
      execution: "build#2",
      step: "__run_3",
      workloadId: "repo:acme/web:ref:refs/heads/main",
      issuer: "https://token.actions.githubusercontent.com",
      triggeredBy: "octocat",
      description: "release, run 9876543210, triggered by octocat",
      runUrl: "https://github.com/acme/web/actions/runs/9876543210",
      definition: "github.com/acme/web/.github/workflows/release.yml@refs/heads/main",
    });
  });

  it("takes the pull request's head branch on GitHub", () => {
    const ci = detectCi({
      GITHUB_ACTIONS: "true",
      GITHUB_HEAD_REF: "feature/x",
      GITHUB_REF_NAME: "12/merge",
    });
    expect(ci?.branch).toBe("feature/x");
  });

  it("reads AWS CodeBuild", () => {
    const buildId = "web-build:0b7f2a58-7a3c-4b4e-9c51-2f0d1e6a9b11";
    const ci = detectCi({
      CODEBUILD_BUILD_ID: buildId,
      CODEBUILD_BUILD_ARN: `arn:aws:codebuild:eu-west-1:444455556666:build/${buildId}`,
      CODEBUILD_BUILD_NUMBER: "57",
      CODEBUILD_RESOLVED_SOURCE_VERSION: SHA,
      CODEBUILD_SOURCE_REPO_URL: "https://github.com/acme/web.git",
      CODEBUILD_WEBHOOK_HEAD_REF: "refs/heads/main",
      CODEBUILD_INITIATOR: "codepipeline/web-release",
    });
    expect(ci).toMatchObject({
      system: "codebuild",
      commit: SHA,
      branch: "main",
      repository: "github.com/acme/web",
      runId: buildId,
      workloadId: "arn:aws:codebuild:eu-west-1:444455556666:project/web-build",
      triggeredBy: "codepipeline/web-release",
      description: "web-build build 57, started by codepipeline/web-release",
    });
    expect(ci?.runUrl).toMatch(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/codesuite\/codebuild\/projects\/web-build\/build\//,
    );
  });

  it("reads GitLab CI", () => {
    const ci = detectCi({
      GITLAB_CI: "true",
      CI_SERVER_URL: "https://gitlab.example.com",
      CI_PROJECT_PATH: "acme/web",
      CI_COMMIT_SHA: SHA,
      CI_COMMIT_BRANCH: "main",
      CI_COMMIT_REF_NAME: "main",
      CI_PIPELINE_ID: "4411",
      CI_JOB_ID: "99812",
      CI_JOB_NAME: "build",
      CI_JOB_URL: "https://gitlab.example.com/acme/web/-/jobs/99812",
      GITLAB_USER_LOGIN: "jdoe",
    });
    expect(ci).toMatchObject({
      system: "gitlab-ci",
      commit: SHA,
      branch: "main",
      repository: "gitlab.example.com/acme/web",
      runId: "4411",
      execution: "99812",
      workloadId: "project_path:acme/web:ref_type:branch:ref:main",
      issuer: "https://gitlab.example.com",
      runUrl: "https://gitlab.example.com/acme/web/-/jobs/99812",
    });
  });

  it("is undefined outside CI, and refuses a commit that is not a git object name", () => {
    expect(detectCi({ HOME: "/home/me" })).toBeUndefined();
    expect(detectCi({ GITHUB_ACTIONS: "true", GITHUB_SHA: "not-a-sha" })?.commit).toBeUndefined();
  });
});

describe("repositoryFromUrl", () => {
  it.each([
    ["https://github.com/acme/web.git", "github.com/acme/web"],
    ["https://token@gitlab.com/acme/web", "gitlab.com/acme/web"],
    ["git@github.com:acme/web.git", "github.com/acme/web"],
    [
      "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/web",
      "git-codecommit.eu-west-1.amazonaws.com/v1/repos/web",
    ],
  ])("%s", (url, repository) => {
    expect(repositoryFromUrl(url)).toBe(repository);
  });
});
