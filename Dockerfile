# The a2a-kafka image: the `a2a-kafka` command (agents, GUI, operator tools) with the
# game-balance data set built in. Used by docker-compose.yml and for agents on AWS MSK
# (docs/deploy.md). Configuration comes from the environment only (docs/configuration.md).
#
#   docker build -t a2a-kafka .                          # SCRAM / TLS / plaintext clusters
#   docker build -t a2a-kafka --build-arg EXTRAS=msk .   # also MSK IAM (KAFKA_SASL_MECHANISM=AWS_MSK_IAM)
#   docker run --rm -e KAFKA_BOOTSTRAP_SERVERS=... a2a-kafka serve data
FROM python:3.11-slim

ARG EXTRAS=""
# python:3.11-slim ships ca-certificates: the public CAs that sign MSK's broker certificates.
WORKDIR /opt/a2a-kafka
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install --no-cache-dir --disable-pip-version-check -c constraints.txt \
        ".${EXTRAS:+[$EXTRAS]}" \
    && useradd --system --uid 10001 --home-dir /var/lib/a2a-kafka --create-home a2a

USER a2a
WORKDIR /var/lib/a2a-kafka
# The data set (60,000 matches, 2,550 posts) is generated once, at build time, not per container.
ENV GAME_BALANCE_DATA_DIR=/var/lib/a2a-kafka/game_balance \
    PYTHONUNBUFFERED=1
RUN python -c "from game_balance.data import GameData; GameData.open()"

ENTRYPOINT ["a2a-kafka"]
CMD ["serve", "all"]
