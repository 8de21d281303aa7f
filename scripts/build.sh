#!/bin/sh
# Builds privaudit in DIR (default build/) with configure FLAGS...; quiet unless it fails.
# usage: scripts/build.sh [DIR [configure flags...]]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
[ $# -gt 0 ] && shift
cd "$top"
[ -x configure ] || ./bootstrap >/dev/null 2>&1 || { ./bootstrap; exit 1; }
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
	"$top/configure" "$@" >configure.out 2>&1 || { cat configure.out; exit 1; }
fi
make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; exit 1; }
