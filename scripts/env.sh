# Sourced by every Sandcrate script: one place for the JDK and Maven settings.
export JAVA_HOME=${SANDCRATE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8 itself touches sun.misc.Unsafe; keep its output readable on JDK 25.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow -Xss4m"
SANDCRATE_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SANDCRATE_HOME
