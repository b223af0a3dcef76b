# Gatehouse production image (docs/deployment.md). Two stages:
#   build: JDK + Maven wrapper; builds target/gatehouse.jar and deletes the embedded PostgreSQL
#          binaries from it (about 115 MB for four platforms): production always has DATABASE_URL,
#          so the dev mode's embedded database is never started from this image.
#   run:   a JRE only (no JDK, no Maven, no PostgreSQL), as an unprivileged user.
# Not built in CI here (no Docker on the build machines); the jar inside is the one ./mvnw verify tests.

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends zip && rm -rf /var/lib/apt/lists/*
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -ntp -q dependency:go-offline
COPY src src
COPY supabase supabase
RUN ./mvnw -B -ntp -q -DskipTests package \
 && zip -q -d target/gatehouse.jar 'postgres-*.txz'

FROM eclipse-temurin:25-jre-alpine
RUN addgroup -S gatehouse && adduser -S -G gatehouse -h /app gatehouse
WORKDIR /app
COPY --from=build --chown=root:root /src/target/gatehouse.jar /app/gatehouse.jar
USER gatehouse
ENV GATEHOUSE_ENV=production \
    GATEHOUSE_BIND=0.0.0.0 \
    GATEHOUSE_PORT=8787 \
    GATEHOUSE_DATA_DIR=/tmp/gatehouse \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s CMD wget -q -O /dev/null http://127.0.0.1:8787/health || exit 1
# exec form: the JVM is PID 1 and gets SIGTERM itself, so shutdown drains streams and settles usage.
ENTRYPOINT ["java", "-jar", "/app/gatehouse.jar"]
CMD ["serve"]
