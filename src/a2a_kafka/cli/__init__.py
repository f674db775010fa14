"""The ``a2a-kafka`` command line: `a2a_kafka.cli.main.main` and one module per subcommand.

Internal package: its modules are not part of the public API, but for `a2a_kafka.cli.plugin`,
what commands of other packages use.
"""
