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

Public: this package and `tracing`, `metrics`, `logs`, `waterfall`; `hooks` is internal.

Notes for maintainers (how it hooks in without touching the request processing):

- A request's outcome is learnt from `HandlerStats` itself: while `hooks.processing` runs
  a request, the context variable `server.stats.outcome_seen` holds a list, and every
  increment of an outcome counter (``answered``, ``expired``, ...) is appended to it.
- Who called whom: `hooks.processing` puts the request's correlation id in a context
  variable that a2a-sdk's tasks inherit; a call made under it sends the header
  ``a2a-kafka-parent-id``. `a2a_kafka.history` nests calls by it, tracing or not.
- Replies are copied to ``agent.<name>.responses`` (`ReplySender(kept_on=...)`), best
  effort, so `trace`/`replay` outlive the callers' private reply topics.
- `tracing.use(provider)` records this library's spans with a provider that is not the
  global one (the GUI's waterfall, ``bench --tracing``), so nothing leaks into the rest
  of the process.
- The tools read raw topics with aiokafka; a header name that is not UTF-8 no longer
  stops them (`a2a_kafka.lenient_records`); every value is decoded leniently.
"""
