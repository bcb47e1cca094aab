#!/bin/sh
# A self-contained Fester app image (trimmed runtime, jar, launcher, CDS archive): target/image/fester/bin/fester.
# The same as `jlink/build-package.sh --type app-image`; the Debian package: `./mvnw -Ppackage package`.
set -eu
cd "$(dirname "$0")/.."
[ -f target/fester.jar ] || ./mvnw -B -q package -DskipTests
exec jlink/build-package.sh --type app-image "$@"
