#!/bin/sh
# Builds Fester as an application: a Java runtime trimmed by jlink (with its class-data-sharing base
# archive), an app image by jpackage whose `fester` launcher (jlink/launcher.sh, as bin/fester: the client
# jar first on the class path, Fester's own AppCDS archive made for that class path) starts Fester, and
# a Debian package (jpackage --type deb) that puts `fester` on the PATH with a desktop entry, the icon,
# bash and zsh completion and man pages (generated from the same picocli definitions as `fester help`).
#
#   jlink/build-package.sh                   -> target/image/fester/bin/fester and target/package/fester_*.deb
#   jlink/build-package.sh --type app-image  -> the app image only
#   options: --jar FILE (default target/fester.jar)  --client-jar FILE (default: beside it, fester-client.jar)
#            --dest DIR (default target)
#   environment: FESTER_DEB_COMPRESSION (xz), FESTER_DEB_LEVEL (dpkg-deb -z), FESTER_IMAGE_CDS=no (no archive for the image)
#
# What `./mvnw -Ppackage package` runs after the jar. jlink cannot link Fester's dependencies as modules
# (several are automatic modules), so the runtime is linked from the JDK's own modules and the jar travels
# beside it (docs/decisions/0006, 0050). Needs a full JDK 17 (jlink, jpackage, jdeps) and, for the
# package, dpkg-deb and fakeroot (Debian's dpkg-dev, fakeroot).
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)

type=deb
jar=target/fester.jar
client=
dest=target
while [ $# -gt 0 ]; do
    case $1 in
        --type) type=$2; shift 2 ;;
        --jar) jar=$2; shift 2 ;;
        --client-jar) client=$2; shift 2 ;;
        --dest) dest=$2; shift 2 ;;
        *) echo "build-package: unknown option '$1' (--type deb|app-image, --jar FILE, --client-jar FILE, --dest DIR)" >&2; exit 2 ;;
    esac
done
case $type in deb|app-image) ;; *) echo "build-package: --type deb or app-image, not '$type'" >&2; exit 2 ;; esac

java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
for tool in jlink jpackage jdeps java; do
    [ -x "$java_home/bin/$tool" ] || { echo "build-package: $java_home/bin/$tool not found: set JAVA_HOME to a full JDK 17" >&2; exit 2; }
done
if [ "$type" = deb ]; then
    for tool in dpkg-deb fakeroot; do
        command -v "$tool" >/dev/null || { echo "build-package: $tool not found: apt-get install dpkg-dev fakeroot" >&2; exit 2; }
    done
fi
[ -f "$jar" ] || { echo "build-package: $jar not found: build it first (./mvnw -B -q package -DskipTests)" >&2; exit 2; }
client=${client:-$(dirname "$jar")/fester-client.jar}
[ -f "$client" ] || { echo "build-package: $client not found: build it first (./mvnw -B -q package -DskipTests)" >&2; exit 2; }
jar=$(readlink -f "$jar")
client=$(readlink -f "$client")
mkdir -p "$dest"
dest=$(readlink -f "$dest")
version=$(unzip -p "$jar" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *\([0-9][0-9.]*\).*/\1/p' | tr -d '\r')
version=${version:-0.1.0}
step() { echo "build-package: $* ($(date +%T))"; }

# 1. The runtime: the JDK modules the jar's classes refer to, plus the providers jdeps cannot see
#    (elliptic-curve keys for SSH, zip file systems, PKCS#11 for NSS's SHA-256: ADR 0089), with the JDK's CDS base archive generated in it.
modules=$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$jar"),jdk.crypto.ec,jdk.zipfs,jdk.crypto.cryptoki
step "runtime with $modules"
rm -rf "$dest/runtime" "$dest/image" "$dest/image-input" "$dest/package" "$dest/package-jpackage" "$dest/package-tree"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --generate-cds-archive --output "$dest/runtime"

# 2. The app image, its launcher replaced by jlink/launcher.sh (ADR 0065, amended): jpackage's native launcher
#    starts every command alike from one class path; the script gives terminal commands their JIT and GC flags,
#    puts fester-client.jar first (a build handed to a running server never opens fester.jar) and leaves the
#    archive out for a run/debug a server may take (ADR 0071), as bin/fester does in the source tree.
step "app image"
mkdir -p "$dest/image-input"
cp "$jar" "$dest/image-input/fester.jar"
cp "$client" "$dest/image-input/fester-client.jar"
"$java_home/bin/jpackage" --type app-image --name fester --dest "$dest/image" \
    --input "$dest/image-input" --main-jar fester.jar --main-class io.fester.cli.Main \
    --runtime-image "$dest/runtime" --app-version "$version"
app=$dest/image/fester
install -m 755 jlink/launcher.sh "$app/bin/fester"
install -m 644 bin/fester-handoff.pl "$app/lib/app/fester-handoff.pl" # its lean hand-off client (ADR 0085)

# 3. What the package installs beside the command: completion, man pages, the desktop entry and icon.
step "completion and man pages"
extra=$app/lib/share
mkdir -p "$extra"
"$app/lib/runtime/bin/java" -cp "$app/lib/app/fester.jar" io.fester.cli.ShellDocs "$extra"
gzip -9n "$extra"/man/man1/*.1
cp icons/fester.svg "$extra/fester.svg"
cat > "$extra/fester.desktop" <<'EOF'
[Desktop Entry]
Type=Application
Name=Fester
GenericName=Build cockpit
Comment=Run, watch, debug and replay builds (Ninja, CMake, Meson, compile databases)
Exec=/opt/fester/bin/fester cockpit %f
Icon=fester
Terminal=false
Categories=Development;Building;
Keywords=build;ninja;cmake;meson;make;
EOF

# 4. The image's own archive, for running it where it was built (the package makes its own: an archive
#    names the jar's absolute path and time, and JDK 17 refuses it anywhere else). Made last, after the
#    package; FESTER_IMAGE_CDS=no skips it (PackageIT, which uses only the package).
image_cds() {
    [ "${FESTER_IMAGE_CDS:-yes}" != no ] || return 0
    step "CDS archive for the image"
    train=$(mktemp -d)
    lib=$(cd "$app/lib/app" && pwd -P) # the launcher's spelling of the class path
    FESTER_CACHE_DIR=$train/cache "$app/lib/runtime/bin/java" -XX:ArchiveClassesAtExit="$lib/fester.jsa" \
        -Xlog:cds=off -Xlog:cds+dynamic=off -Dfester.jit=c1 -cp "$lib/fester-client.jar:$lib/fester.jar" \
        io.fester.cli.CdsTraining "$train/work"
    rm -rf "$train"
    echo "build-package: $app/bin/fester ($(du -sh "$app" | cut -f1))"
}
if [ "$type" = app-image ]; then
    image_cds
    exit 0
fi

# 5. The Debian package: jpackage's (control with the runtime's library dependencies), then the files
#    above added where Debian looks for them, so dpkg owns (and removes) every one of them.
step "deb"
mkdir -p "$dest/package"
DPKG_DEB_COMPRESSOR_TYPE=none "$java_home/bin/jpackage" --type deb --app-image "$app" --name fester \
    --app-version "$version" --dest "$dest/package-jpackage" --description "Fester: a build cockpit" \
    --vendor Fester --linux-package-name fester --linux-app-category devel --linux-deb-maintainer "fester@localhost" \
    --about-url https://example.invalid/fester --license-file "$repo/README.md" 2>&1 | grep -v '^$' || true
deb=$(ls "$dest"/package-jpackage/fester_*.deb)
tree=$dest/package-tree
rm -rf "$tree"
dpkg-deb -R "$deb" "$tree"
share=$tree/opt/fester/lib/share
install -d "$tree/usr/bin" "$tree/usr/share/applications" "$tree/usr/share/icons/hicolor/scalable/apps" \
    "$tree/usr/share/bash-completion/completions" "$tree/usr/share/zsh/vendor-completions" "$tree/usr/share/man/man1"
ln -s /opt/fester/bin/fester "$tree/usr/bin/fester"
install -m 644 "$share/fester.desktop" "$tree/usr/share/applications/fester.desktop"
install -m 644 "$share/fester.svg" "$tree/usr/share/icons/hicolor/scalable/apps/fester.svg"
install -m 644 "$share/completion/fester.bash" "$tree/usr/share/bash-completion/completions/fester"
install -m 644 "$share/completion/_fester" "$tree/usr/share/zsh/vendor-completions/_fester"
install -m 644 "$share"/man/man1/*.1.gz "$tree/usr/share/man/man1/"
cat > "$tree/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Fester's class-data-sharing archive, made here because it names the installed jars' paths and times, for
# the class path the launcher (/opt/fester/bin/fester) gives: the client jar first, then fester.jar.
set -e
if [ "$1" = configure ]; then
    work=$(mktemp -d)
    if FESTER_CACHE_DIR="$work/cache" /opt/fester/lib/runtime/bin/java \
            -XX:ArchiveClassesAtExit=/opt/fester/lib/app/fester.jsa -Xlog:cds=off -Xlog:cds+dynamic=off -Dfester.jit=c1 \
            -cp /opt/fester/lib/app/fester-client.jar:/opt/fester/lib/app/fester.jar \
            io.fester.cli.CdsTraining "$work/train" >/dev/null 2>"$work/training.err"; then
        :
    else
        sed 's/^/  /' "$work/training.err" >&2
        echo "fester: no class-data-sharing archive (Fester starts more slowly)" >&2
        rm -f /opt/fester/lib/app/fester.jsa
    fi
    rm -rf "$work"
fi
exit 0
EOF
cat > "$tree/DEBIAN/prerm" <<'EOF'
#!/bin/sh
# The archive postinst made is not in the package's file list: remove it with the package.
set -e
rm -f /opt/fester/lib/app/fester.jsa
exit 0
EOF
rm -f "$tree/DEBIAN/postrm" # none: dpkg -r then leaves nothing, not even the package's "config-files" state
chmod 755 "$tree/DEBIAN/postinst" "$tree/DEBIAN/prerm"
(cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum) > "$tree/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
sed -i "s/^Installed-Size:.*/Installed-Size: $size/" "$tree/DEBIAN/control"
# NSS's SHA-256 (ADR 0089): without it Fester hashes with the JDK's, slower under the terminal's C1 JIT;
# a C compiler builds the native spawner (ADR 0100): without one local actions start through Perl's, slower
grep -q '^Recommends:' "$tree/DEBIAN/control" \
    || sed -i '/^Description:/i Recommends: libnss3, gcc | c-compiler' "$tree/DEBIAN/control"
out=$dest/package/$(basename "$deb")
fakeroot dpkg-deb -Z"${FESTER_DEB_COMPRESSION:-xz}" ${FESTER_DEB_LEVEL:+-z"$FESTER_DEB_LEVEL"} -b "$tree" "$out" >/dev/null
rm -rf "$tree" "$dest/package-jpackage"
echo "build-package: $out ($(du -sh "$out" | cut -f1))"
image_cds
