import type { LocalEndpoints } from "./endpoints.ts";

/** How to put an evidence event on the local plane's bus with the AWS CLI, boto3 and the SDK. */
export function howToPutEvents(
  endpoints: LocalEndpoints,
  exampleFile = "examples/events/commit.pushed.json",
): string {
  const { awsEndpoint, region, busName } = endpoints;
  return `Put evidence events on the local bus (any credentials work; the source must start with "evidence."):

  AWS CLI:
    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=${region}
    aws --endpoint-url ${awsEndpoint} events put-events --entries "$(node -e '
      const d = require("fs").readFileSync("${exampleFile}", "utf8");
      console.log(JSON.stringify([{ EventBusName: "${busName}", Source: "evidence.ci",
        DetailType: JSON.parse(d).type, Detail: d }]))')"

  Python (boto3):
    import boto3, json, pathlib
    events = boto3.client("events", endpoint_url="${awsEndpoint}", region_name="${region}",
                          aws_access_key_id="local", aws_secret_access_key="local")
    detail = pathlib.Path("${exampleFile}").read_text()
    events.put_events(Entries=[{"EventBusName": "${busName}", "Source": "evidence.ci",
                                "DetailType": json.loads(detail)["type"], "Detail": detail}])

  JavaScript (AWS SDK v3):
    const events = new EventBridgeClient({ endpoint: "${awsEndpoint}", region: "${region}",
      credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    await events.send(new PutEventsCommand({ Entries: [{ EventBusName: "${busName}",
      Source: "evidence.ci", DetailType: event.type, Detail: JSON.stringify(event) }] }));

Then: npx evidence local status`;
}
