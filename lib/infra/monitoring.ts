import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { deadLetterQueue } from "./queues.ts";

export interface MonitoringProps {
  readonly dataKey: kms.IKey;
  /** Subscribed to the plane's alarm topic. */
  readonly emails: readonly string[];
  /** An existing topic (e.g. the SOC's) that also receives every alarm. */
  readonly topicArn?: string;
}

/**
 * Alarms and the pipeline dashboard. Every alarm notifies the plane's encrypted topic (and the
 * configured topic); every alarm treats missing data as fine, because silence here means
 * nothing failed.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  private readonly actions: cloudwatch.IAlarmAction[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Alarms", {
      displayName: "Evidence plane alarms",
      masterKey: props.dataKey,
      enforceSSL: true,
    });
    this.actions = [new actions.SnsAction(this.topic)];
    if (props.topicArn) {
      this.actions.push(
        new actions.SnsAction(sns.Topic.fromTopicArn(this, "ExternalAlarms", props.topicArn)),
      );
    }
    if (props.emails.length > 0) {
      const undelivered = deadLetterQueue(
        this,
        "UndeliveredAlarms",
        props.dataKey,
        "the alarm topic's email subscriptions",
      );
      for (const email of props.emails) {
        this.topic.addSubscription(
          new subscriptions.EmailSubscription(email, { deadLetterQueue: undelivered }),
        );
      }
      this.alarmOnDeadLetters("UndeliveredAlarmEmails", undelivered);
    }
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(24),
    });
  }

  /** Raises an alarm (to every destination) when `metric` reaches `threshold`. */
  alarmWhen(
    id: string,
    description: string,
    metric: cloudwatch.IMetric,
    threshold = 1,
    evaluationPeriods = 1,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const action of this.actions) alarm.addAlarmAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Any message in a dead-letter queue is an alarm: each one is evidence not yet recorded. */
  alarmOnDeadLetters(id: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return this.alarmWhen(
      `${id}DeadLetters`,
      `A message reached the dead-letter queue ${id}. Inspect it, fix the cause, then redrive it (nothing is lost while it waits 14 days).`,
      queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: "Maximum",
      }),
    );
  }

  /** Any error of `fn` is an alarm. */
  alarmOnErrors(id: string, fn: lambda.IFunction): cloudwatch.Alarm {
    return this.alarmWhen(
      `${id}Errors`,
      `The ${id} function failed an invocation. Read its log group; retries and dead-letter queues keep the input.`,
      fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
    );
  }

  /** Adds a row of graphs to the dashboard. */
  addRow(...widgets: cloudwatch.IWidget[]): void {
    this.dashboard.addWidgets(...widgets);
  }
}
