# Sourced by the benchmark scripts from the repository root: finds a JDK 21+ as ./gatehouse does,
# builds the test classes and sets $cp to the classpath the benchmark mains run with.
JAVA_HOME="$(./gatehouse jdk)"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
