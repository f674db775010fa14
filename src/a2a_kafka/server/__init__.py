"""Server side of the binding: `KafkaConsumerHandler` and what it stands on."""
