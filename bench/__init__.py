"""Benchmarks of a2a-kafka: A2A over Kafka, A2A over HTTP JSON-RPC and the raw Kafka floor.

Run ``python -m bench`` (or ``a2a-kafka bench``) from a source checkout. Modules::

    plan       what a run measures: counts, durations, concurrencies, payload sizes
    agent      the one AgentExecutor every A2A server runs
    floor      raw aiokafka request/reply, server and client, no A2A processing
    server     entry point of a server process (kafka, http or floor)
    procs      starting and stopping server processes; their CPU time
    systems    the client side of each system behind one interface
    load       latency samples and closed-loop throughput
    scenarios  one function per figure
    fanout     bytes read per caller instance as callers grow
    machine    what the run ran on
    report     docs/benchmarks.md; plots  the PNG figures
    cli        argument parsing and the run itself
"""
