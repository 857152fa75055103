import * as eventschemas from "aws-cdk-lib/aws-eventschemas";
import { Construct } from "constructs";
import type { PublishedSchema } from "../core/events/index.ts";

/** EventBridge schema names allow letters, digits and . - _ @; the event type fits as is. */
export function schemaName(type: string): string {
  return `evidence@${type}`;
}

export interface SchemaRegistryProps {
  /** The catalogue's schemas (eventSchemas() of lib/core/events). */
  readonly schemas: ReadonlyArray<PublishedSchema>;
}

/**
 * Publishes the event catalogue to an EventBridge schema registry, one JSONSchemaDraft4 schema
 * per event type, so producers can browse and generate code bindings for exactly the schemas
 * the ingest enforces.
 */
export class SchemaRegistry extends Construct {
  readonly registry: eventschemas.CfnRegistry;

  constructor(scope: Construct, id: string, props: SchemaRegistryProps) {
    super(scope, id);
    this.registry = new eventschemas.CfnRegistry(this, "Registry", {
      description: "Evidence event catalogue: the schemas the ingest validates against",
    });
    for (const published of props.schemas) {
      new eventschemas.CfnSchema(this, published.type, {
        registryName: this.registry.attrRegistryName,
        schemaName: schemaName(published.type),
        type: "JSONSchemaDraft4",
        description: `${published.type} (specVersion ${published.specVersion})`,
        content: JSON.stringify(published.schema),
      });
    }
  }
}
