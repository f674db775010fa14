"""Observability: traces, metrics, structured logs; all optional, all off by default.

- `a2a_kafka.telemetry.tracing`: OpenTelemetry spans following the messaging semantic
  conventions, with W3C trace context in record headers;
- `a2a_kafka.telemetry.metrics`: a Prometheus endpoint (``serve --metrics-port``);
- `a2a_kafka.telemetry.logs`: JSON log lines carrying correlation, task and trace ids;
- `a2a_kafka.telemetry.hooks`: the two places the transport calls into the above: one
  call of a caller, one request record of a server. With everything off, each costs a
  few attribute look-ups.

The OpenTelemetry SDK and ``prometheus_client`` come with the ``telemetry`` extra
(``pip install 'a2a-kafka[telemetry]'``); without it nothing breaks and nothing is
recorded.
"""
