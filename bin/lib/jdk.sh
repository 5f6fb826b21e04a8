# Sourced by the scripts in bin/ (after setting $repo): picks the JDK and quiets what Maven prints on a new one.
JAVA_HOME="$("$repo/bin/java-home")"
export JAVA_HOME
# Maven's own Guice calls sun.misc.Unsafe, which JDK 24 and newer warn about in four lines at every build; the
# warning concerns Maven, not this project, and is allowed here so that it does not look like a failure.
if "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -version >/dev/null 2>&1; then
  export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
fi
