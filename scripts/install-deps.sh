#!/bin/sh
# Installs the Debian packages vmparts needs that are missing; prints
# nothing and changes nothing when all are present. Extra package names
# on the command line are installed too (the opt-in tests and benchmarks
# name what they need: `sh scripts/install-deps.sh grub-pc-bin mtools`).
set -e
PKGS="build-essential clang pkg-config check libsubunit-dev libpci-dev \
libcjson-dev liblzma-dev afl++ libclang-rt-14-dev llvm acpica-tools dmidecode \
syslinux-common $*"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
