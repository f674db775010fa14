"""Client side of the binding: `KafkaTransport` and what it stands on."""
