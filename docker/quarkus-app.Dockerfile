# The store and operator images: a Quarkus fast-jar (the module's target/quarkus-app, the build
# context) on a Java 17 runtime. One file for both, since they differ only in the jar:
#   docker build -f docker/quarkus-app.Dockerfile -t kvstore/store:0.1.0 store/target/quarkus-app
# BASE_IMAGE: any image with a Java 17+ `java` on PATH, plus bash and curl for the store (the
# end-to-end suite execs into store pods and runs its in-cluster client from the store image).
# With a registry the default works; without one, hack/images.sh builds a Debian base and passes it.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
# Layers from least to most often changed, as the fast-jar is laid out for.
COPY lib/ /app/lib/
COPY *.jar /app/
COPY app/ /app/app/
COPY quarkus/ /app/quarkus/
# Non-root (the pods' securityContext says so too); in the pods the root filesystem is read-only
# and /tmp (JVM scratch) is an emptyDir.
USER 185
WORKDIR /app
ENV JAVA_OPTS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
