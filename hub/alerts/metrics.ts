// Prometheus series of the alert service; reused when a service is rebuilt on the same registry (restart in tests).
import { Counter, Histogram, type Registry } from 'prom-client';

export interface AlertMetrics {
  raised: Counter<'kind' | 'severity'>;
  merged: Counter<'kind'>;
  closed: Counter<'state'>;
  escalations: Counter<'level'>;
  escalationsRerouted: Counter;
  deliveries: Counter<'channel'>;
  deliveryFailures: Counter<'channel'>;
  rejectedActions: Counter<'code' | 'via'>;
  timeToAckSeconds: Histogram<'severity'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  // prom-client's registry returns a bare Metric: this name is only ever registered as this counter.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function alertMetrics(registry: Registry): AlertMetrics {
  const histogramName = 'telecare_alert_time_to_ack_seconds';
  const timeToAckSeconds =
    (registry.getSingleMetric(histogramName) as Histogram<'severity'> | undefined) ??
    new Histogram({
      name: histogramName,
      help: 'Seconds from raise to acknowledgement',
      labelNames: ['severity'],
      // 60 s and 180 s are the Telecare Services Association targets.
      buckets: [5, 15, 30, 60, 90, 120, 180, 300, 600, 1800, 3600],
      registers: [registry],
    });
  return {
    raised: counter(registry, 'telecare_alerts_raised_total', 'Alerts raised', ['kind', 'severity']),
    merged: counter(registry, 'telecare_alerts_merged_total', 'Repeats merged into an open alert', ['kind']),
    closed: counter(registry, 'telecare_alerts_closed_total', 'Alerts resolved or cancelled', ['state']),
    escalations: counter(registry, 'telecare_alert_escalations_total', 'Escalation steps', ['level']),
    escalationsRerouted: counter(
      registry,
      'telecare_alert_escalations_rerouted_total',
      "Escalation steps sent to the home's ladder as configured now: the alert's own ladder named a group no longer configured",
      [],
    ),
    deliveries: counter(registry, 'telecare_alert_deliveries_total', 'Notifications delivered', ['channel']),
    deliveryFailures: counter(
      registry,
      'telecare_alert_delivery_failures_total',
      'Failed delivery attempts (retried)',
      ['channel'],
    ),
    rejectedActions: counter(
      registry,
      'telecare_alert_actions_rejected_total',
      'Refused acknowledgements and resolutions',
      ['code', 'via'],
    ),
    timeToAckSeconds,
  };
}
