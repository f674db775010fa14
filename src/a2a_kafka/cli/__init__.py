"""The ``a2a-kafka`` command line: `a2a_kafka.cli.main.main` and one module per subcommand."""
