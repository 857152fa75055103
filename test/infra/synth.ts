import { existsSync, readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { type EvidencePlaneConfig, parseConfig } from "../../lib/config/index.ts";
import { CONFIG_FILE_CONTEXT_KEY } from "../../lib/config/load.ts";
import { addEvidencePlane, type EvidencePlaneStacks } from "../../lib/infra/app.ts";
import type { HandlerEntries } from "../../lib/infra/bundling.ts";
import { handlerEntry } from "../../lib/infra/bundling.ts";
import { applyNagPacks } from "../../lib/infra/nag.ts";

/** The worked example, as raw JSON, for tests to vary. */
export const EXAMPLE_CONFIG = JSON.parse(
  readFileSync(new URL("../../evidence-plane.config.example.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

/** cdk.json's context (feature flags), without the configuration pointer. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
    context: Record<string, unknown>;
  };
  const { [CONFIG_FILE_CONTEXT_KEY]: _file, ...flags } = cdkJson.context;
  return flags;
}

export interface Synthesized {
  readonly app: App;
  readonly config: EvidencePlaneConfig;
  readonly stacks: EvidencePlaneStacks;
  readonly assembly: CloudAssembly;
  /** Every stack's template, by stack name. */
  readonly templates: ReadonlyMap<string, Template>;
  readonly evidence: Template;
}

/**
 * Builds the plane from the worked example with `overrides` applied, as the CDK CLI would (same
 * feature flags). Lambda bundling is skipped unless `bundle` is set: templates do not depend on it.
 * `nag` registers the five cdk-nag packs as the CDK app does.
 */
export function synthesize(
  overrides: Record<string, unknown> = {},
  options: { bundle?: boolean; nag?: boolean; handlerEntries?: Partial<HandlerEntries> } = {},
): Synthesized {
  const config = parseConfig({ ...EXAMPLE_CONFIG, ...overrides });
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
    },
  });
  const stacks = addEvidencePlane(
    app,
    config,
    options.handlerEntries ? { handlerEntries: options.handlerEntries } : {},
  );
  if (options.nag) applyNagPacks(app);
  // One synthesis for every template: Template.fromStack would synthesize the app per stack.
  const assembly = app.synth();
  const templates = new Map(
    assembly.stacks.map((stack) => [stack.stackName, Template.fromJSON(stack.template)]),
  );
  const evidence = templates.get(stacks.evidence.stackName);
  if (!evidence) throw new Error("the evidence stack was not synthesized");
  return { app, config, stacks, assembly, templates, evidence };
}

/** Every resource of `type` in a template, by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown>; [key: string]: unknown }> {
  return template.findResources(type) as Record<
    string,
    { Properties: Record<string, unknown>; [key: string]: unknown }
  >;
}

/** A policy statement as it appears in a synthesized template. */
export interface TemplateStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, unknown>;
}

/** The statements of a policy document property. */
export function statementsOf(document: unknown): TemplateStatement[] {
  return ((document as { Statement?: TemplateStatement[] } | undefined)?.Statement ?? []).slice();
}

/** A statement's actions as a list. */
export function actionsOf(statement: TemplateStatement): string[] {
  if (statement.Action === undefined) return [];
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/**
 * The pack API's and key-usage consumer's handlers, standing in with the archive handler for
 * any not yet written, so the stack's every part is synthesized and checked.
 */
export function everyHandler(): Partial<HandlerEntries> {
  const standIn = handlerEntry("archive");
  const optional = ["pack-api", "pack-assembler", "key-usage"] as const;
  return Object.fromEntries(
    optional.map((name) => [name, existsSync(handlerEntry(name)) ? handlerEntry(name) : standIn]),
  );
}
