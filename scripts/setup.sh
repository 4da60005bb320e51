#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages, the PixelMed jars in the local Maven
# repository, and a running PostgreSQL for the tests. Safe to run again: each step checks before it acts.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

APT_PACKAGES=(libpixelmed-java libpixelmed-imageio-java dcmtk dicom3tools python3)
# the tests also talk to a real PACS (Orthanc), read SEG/SR with dcmjs (node), check docker-compose.yml and drive
# the dashboard in a headless Chromium
if [ "${ICHNODE_SETUP_TEST:-0}" = 1 ]; then
  APT_PACKAGES+=(orthanc docker-compose chromium)
  command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm) # a node from elsewhere may already be there
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# PixelMed's jar carries a Class-Path of absolute /usr/share/java paths (one of them missing); install a copy
# without it, under our own coordinates, so the build never depends on what happens to be in /usr/share/java.
install_jar() { # src groupId artifactId version pom
  local src="$1" g="$2" a="$3" v="$4" pom="$5"
  local dest="$HOME/.m2/repository/${g//.//}/$a/$v/$a-$v.jar"
  [ -f "$dest" ] && [ "$dest" -nt "$pom" ] && return 0
  local tmp; tmp="$(mktemp -d)"
  python3 "$here/strip_classpath.py" "$src" "$tmp/$a-$v.jar"
  mvn -q -B install:install-file -Dfile="$tmp/$a-$v.jar" -DpomFile="$pom" >/dev/null
  rm -rf "$tmp"
  echo "setup: installed $g:$a:$v into the local Maven repository"
}
install_jar /usr/share/java/pixelmed.jar com.pixelmed pixelmed 20220618 "$here/poms/pixelmed.pom"
install_jar /usr/share/java/pixelmed_imageio.jar com.pixelmed pixelmed-imageio 20200328 "$here/poms/pixelmed-imageio.pom"

# dcmjs (npm) for the tests that read our SEG/SR the way OHIF does; installed into scripts/js/node_modules.
if [ "${ICHNODE_SETUP_TEST:-0}" = 1 ] && [ ! -d "$here/js/node_modules/dcmjs" ]; then
  echo "setup: installing dcmjs (npm) for the tests"
  (cd "$here/js" && npm install --no-audit --no-fund --silent >/dev/null)
fi

# PostgreSQL: the tests need the real server on 127.0.0.1:5432.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  ver="$(ls /etc/postgresql | head -n1)"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
fi
