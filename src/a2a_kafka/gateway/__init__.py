"""A2A over HTTP <-> A2A over Kafka, both ways (needs the HTTP server packages).

- `Gateway` / `GatewayServer` (``a2a-kafka gateway``): any A2A HTTP client reaches the
  agents on a Kafka cluster (JSON-RPC and HTTP+JSON, SSE streaming).
- `Bridge` (``a2a-kafka bridge <name> <url>``): an HTTP-only A2A agent served on Kafka
  under a name, so Kafka callers reach it like any other agent.
- `ForwardingHandler`: the a2a `RequestHandler` both are made of; it forwards every call to
  an a2a `ClientTransport`.

``import a2a_kafka`` does not import this package (it loads starlette and uvicorn).
"""

from a2a_kafka.gateway.app_server import AppServer
from a2a_kafka.gateway.bridge import Bridge
from a2a_kafka.gateway.forward import ForwardingHandler
from a2a_kafka.gateway.http_gateway import Gateway, GatewayServer

__all__ = ["AppServer", "Bridge", "ForwardingHandler", "Gateway", "GatewayServer"]
