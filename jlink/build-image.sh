#!/bin/sh
# Builds a self-contained Fester: a Java runtime trimmed by jlink to the modules Fester uses, and an
# app image by jpackage with a `fester` launcher. The result runs on a machine without a JDK.
#
#   jlink/build-image.sh            -> target/image/fester/bin/fester
#
# jlink cannot link Fester's dependencies as modules (several are automatic modules), so the runtime
# is linked from the JDK's own modules and the jars travel beside it (see docs/decisions/0006).
set -eu
cd "$(dirname "$0")/.."

java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
jlink=$java_home/bin/jlink
jpackage=$java_home/bin/jpackage
jdeps=$java_home/bin/jdeps
for tool in "$jlink" "$jpackage" "$jdeps"; do
    [ -x "$tool" ] || { echo "build-image: $tool not found: set JAVA_HOME to a full JDK 17" >&2; exit 2; }
done

[ -f target/fester.jar ] || ./mvnw -B -q package -DskipTests

# The modules the jar's classes (Fester's and its dependencies') refer to.
modules=$("$jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 target/fester.jar)
echo "build-image: modules $modules"

rm -rf target/image target/runtime target/image-input
mkdir -p target/image-input
cp target/fester.jar target/image-input/

"$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --output target/runtime

"$jpackage" --type app-image --name fester --dest target/image \
    --input target/image-input --main-jar fester.jar --main-class io.fester.cli.Main \
    --runtime-image target/runtime --app-version 0.1.0

echo "build-image: target/image/fester/bin/fester ($(du -sh target/image/fester | cut -f1))"
