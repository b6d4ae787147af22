# Sourced by ./jllm and ./mvnw: sets JLLM_JAVA_HOME to a JDK 25 or newer, or exits with advice.
# Order: $JAVA_HOME when new enough, then the usual Linux install folders, then `java` on PATH.
# Reads each JDK's `release` file instead of starting a JVM, so the search costs no time.

jllm_jdk_major() {  # $1 = a JDK folder; prints its feature version, or nothing
  local rel="$1/release" v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$rel" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel" | head -n 1)
  fi
  [ -n "${v:-}" ] && echo "$v"
}

jllm_find_jdk() {
  local min=25 cand best="" best_v=0 v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(jllm_jdk_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then JLLM_JAVA_HOME="$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /usr/java/* /usr/local/java/* /opt/java/* /opt/jdk* /opt/*jdk* \
              "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /usr/local/lib/jvm/*; do
    [ -d "$cand" ] || continue
    v=$(jllm_jdk_major "$cand")
    if [ -n "$v" ] && [ "$v" -ge "$min" ] && [ "$v" -gt "$best_v" ]; then best="$cand"; best_v="$v"; fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(jllm_jdk_major "$cand")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then best="$cand"; fi
  fi
  if [ -z "$best" ]; then
    echo "jllm: needs a JDK $min or newer (with the jdk.incubator.vector module), and found none." >&2
    echo "      Looked at \$JAVA_HOME${JAVA_HOME:+ ($JAVA_HOME)}, /usr/lib/jvm, /usr/java, /opt and ~/.sdkman." >&2
    echo "      Install one, e.g. Eclipse Temurin 25 (apt: temurin-25-jdk) or any OpenJDK 25 build," >&2
    echo "      or point JAVA_HOME at it." >&2
    exit 1
  fi
  JLLM_JAVA_HOME="$best"
}

jllm_find_jdk
