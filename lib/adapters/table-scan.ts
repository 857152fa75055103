import { type DynamoDBClient, ScanCommand, type ScanCommandInput } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";

/**
 * Every item of a table that `input` selects, page after page, with strongly consistent reads
 * (nothing written before the scan began is missed).
 */
export async function* scanTable(
  client: DynamoDBClient,
  tableName: string,
  input: Omit<ScanCommandInput, "TableName"> = {},
): AsyncGenerator<Record<string, unknown>> {
  let start: ScanCommandInput["ExclusiveStartKey"];
  do {
    const out = await client.send(
      new ScanCommand({
        ...input,
        TableName: tableName,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const item of out.Items ?? []) yield unmarshall(item);
    start = out.LastEvaluatedKey;
  } while (start);
}
