"""Game-balance demo agents (Balance, Data Analysis, CS) built on a2a-sdk; Kafka-agnostic."""
