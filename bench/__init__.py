"""Benchmarks of a2a-kafka: A2A over Kafka, A2A over HTTP JSON-RPC and the raw Kafka floor.

Run ``python -m bench`` (or ``a2a-kafka bench``) from a source checkout. Modules::

    plan       what a run measures: counts, durations, concurrencies, payload sizes
    agent      the one AgentExecutor every A2A server runs
    floor      raw aiokafka request/reply, server and client, no A2A processing
    server     entry point of a server process (kafka, http or floor)
    procs      starting and stopping server and load processes; their CPU time
    systems    the client side of each system behind one interface (HTTP: pools of 8)
    loader     a load process: throughput cells driven from outside the runner
    load       latency samples and closed-loop throughput
    scenarios  one function per figure
    fanout     bytes read per caller instance as callers grow
    scale      throughput with more server instances of one agent
    workers    throughput of ``a2a-kafka serve --workers 1`` against ``2``
    machine    what the run ran on
    checks     is a run complete: every request answered, every system measured
    report     docs/benchmarks.md (tables: its sections; plots: the PNG figures)
    runner     one run, start to end; cli  its command line; paths  where files go
    tuning     Kafka client settings under test; experiments  candidate library changes

Tools for optimising: ``python -m bench.ab`` (A/B of settings in one run),
``bench.trace`` (a round trip's segments), ``bench.profile`` (py-spy of client
and server), ``bench.compare`` (figures of several result files).
"""
