# Build with the Maven wrapper, run on a slim JRE as a non-root user. The jar is the one `bin/test` tests.
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -ntp -q dependency:go-offline
COPY src src
RUN ./mvnw -B -ntp -q -DskipTests package

FROM eclipse-temurin:21-jre
# curl for the health check; tini reaps processes and forwards SIGTERM (the embedded PostgreSQL runs as a child).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /app syncserver \
 && mkdir -p /app/data \
 && chown syncserver:syncserver /app/data \
 && chmod 700 /app/data
WORKDIR /app
COPY --from=build /src/target/sync-server.jar /app/sync-server.jar
USER syncserver
EXPOSE 3000
# config.json is mounted at /app/config.json; without it the embedded PostgreSQL keeps its data in /app/data
# (mount a volume there). Secrets can come from the environment: "${JWT_SECRET}" in config.json.
VOLUME ["/app/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:${PORT:-3000}/readyz > /dev/null || exit 1
# A fixed heap (initial = maximum): left to size itself, G1 shrinks a small heap under load and then runs a
# concurrent collection every second or two (docs/performance.md).
ENTRYPOINT ["/usr/bin/tini", "--", "java", "-XX:InitialRAMPercentage=75", "-XX:MaxRAMPercentage=75", "-jar", "/app/sync-server.jar"]
