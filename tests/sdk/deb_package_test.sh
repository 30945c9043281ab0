#!/usr/bin/env bash
# The Debian packages of this build (cmake/Packaging.cmake). `cpack -G DEB` makes them from the
# build tree into a temporary directory; dpkg-deb shows what each holds and declares (the runner,
# the plugins, the SDK's headers, CMake package and .pc file, the test harness; names, versions,
# Depends, maintainer); `dpkg -x` unpacks them into a temporary root (nothing is installed on the
# machine), where examples/source_lines_c builds against the unpacked /usr alone and the unpacked
# runner finds the unpacked plugins by itself.
#
#   deb_package_test.sh SOURCE_DIR BUILD_DIR CPACK CMAKE GENERATOR CC VERSION RUNTIME_LIBS PLUGINS_LIBS HARNESS_LIBS
# VERSION is the project's; *_LIBS are Packaging.cmake's stand-in library lists (comma-separated),
# which must name what dpkg-shlibdeps finds.
set -euo pipefail
src=$1 build=$2 cpack=$3 cmake=$4 generator=$5 cc=$6 version=$7 runtime_libs=$8 plugins_libs=$9 harness_libs=${10}

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- cpack --------------------------------------------------------------------------------------
packages=$work/packages
run "$work/cpack.log" "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$packages"
arch=$(dpkg --print-architecture)
runtime_deb=$packages/ingest_${version}-1_$arch.deb
plugins_deb=$packages/ingest-plugins_${version}-1_$arch.deb
sdk_deb=$packages/ingest-sdk-dev_${version}-1_all.deb
harness_deb=$packages/ingest-harness-dev_${version}-1_$arch.deb
debs=("$runtime_deb" "$plugins_deb" "$sdk_deb" "$harness_deb")
for deb in "${debs[@]}"; do
  [[ -f $deb ]] || fail "cpack made no $(basename "$deb"): $(ls "$packages")"
done
made=$(find "$packages" -maxdepth 1 -name '*.deb' | wc -l)
((made == ${#debs[@]})) || fail "cpack made $made packages, expected ${#debs[@]}: $(ls "$packages")"
pass "cpack -G DEB makes ingest, ingest-plugins, ingest-sdk-dev and ingest-harness-dev"

# ---- contents -----------------------------------------------------------------------------------
# contains DEB PATH...: the package holds each PATH (as dpkg-deb -c lists it) and nothing outside /usr.
contains() {
  local deb=$1 path listing outside
  shift
  listing=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
  for path in "$@"; do
    grep -qxF "./$path" <<<"$listing" || fail "$(basename "$deb") does not hold /$path: $listing"
  done
  outside=$(grep -v '^\./usr/' <<<"$listing" || true)
  [[ -z $outside ]] || fail "$(basename "$deb") holds files outside /usr: $outside"
}
contains "$runtime_deb" usr/bin/ingest
contains "$plugins_deb" usr/lib/ingest/plugins/source_event_simulator.so usr/lib/ingest/plugins/sink_postgres.so \
  usr/lib/ingest/plugins/sink_validator.so
contains "$sdk_deb" usr/include/ingest/plugin_abi.h usr/include/ingest/sdk.hpp usr/include/ingest/config.hpp \
  usr/lib/cmake/IngestSDK/IngestSDKConfig.cmake usr/lib/cmake/IngestSDK/IngestSDKConfigVersion.cmake \
  usr/lib/cmake/IngestSDK/IngestSDKTargets.cmake usr/lib/cmake/IngestSDK/IngestPlugin.cmake \
  usr/lib/pkgconfig/ingest-sdk.pc
contains "$harness_deb" usr/include/ingest/harness.hpp usr/lib/cmake/IngestSDK/IngestSDKHarnessTargets.cmake \
  usr/lib/pkgconfig/ingest-harness.pc
listing=$(dpkg-deb -c "$harness_deb")
grep -q ' \./usr/lib/libingest_harness\.so\.' <<<"$listing" || fail "ingest-harness-dev holds no libingest_harness.so: $listing"
pass "the packages hold the runner, the plugins, the headers, the CMake package, the .pc files and the harness"

# ---- control fields -----------------------------------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
# depends_names DEB: the package names in its Depends, without versions, sorted.
depends_names() { field "$1" Depends | sed 's/[,|]/\n/g' | sed 's/(.*//; s/ //g' | grep . | sort -u; }
for deb in "${debs[@]}"; do
  [[ $(field "$deb" Version) == "$version-1" ]] || fail "$(basename "$deb"): Version $(field "$deb" Version)"
  [[ $(field "$deb" Maintainer) == *'<'*@*'>' ]] || fail "$(basename "$deb"): Maintainer '$(field "$deb" Maintainer)'"
  summary=$(field "$deb" Description | sed -n 1p)  # sed reads it all: head could make dpkg-deb die of SIGPIPE
  [[ -n $summary && $(field "$deb" Description | wc -l) -gt 1 ]] || fail "$(basename "$deb"): no summary and long description"
done
[[ $(field "$plugins_deb" Depends) == *"ingest (= $version-1)"* ]] \
  || fail "ingest-plugins does not depend on ingest (= $version-1): $(field "$plugins_deb" Depends)"
[[ -z $(field "$sdk_deb" Depends) ]] || fail "ingest-sdk-dev, headers only, depends on $(field "$sdk_deb" Depends)"
[[ $(field "$sdk_deb" Architecture) == all ]] || fail "ingest-sdk-dev is not Architecture: all"
[[ $(field "$harness_deb" Depends) == *"ingest-sdk-dev (= $version-1)"*libgtest-dev* ]] \
  || fail "ingest-harness-dev does not depend on ingest-sdk-dev (= $version-1) and libgtest-dev: $(field "$harness_deb" Depends)"
if command -v dpkg-shlibdeps >/dev/null; then
  # The Depends come from dpkg-shlibdeps; the stand-in lists must name the same libraries (beside
  # the packages' own and libgtest-dev, declared as they are).
  for pair in "$runtime_deb:$runtime_libs" "$plugins_deb:$plugins_libs" "$harness_deb:$harness_libs"; do
    deb=${pair%%:*}
    found=$(depends_names "$deb" | grep -vx -e ingest -e ingest-sdk-dev -e libgtest-dev || true)
    listed=$(tr ',' '\n' <<<"${pair#*:}" | sort -u)
    [[ $found == "$listed" ]] || fail "$(basename "$deb"): dpkg-shlibdeps finds [${found//$'\n'/ }]," \
      "Packaging.cmake's stand-in list says [${listed//$'\n'/ }]"
  done
  grep -qx librdkafka1 <<<"$(depends_names "$runtime_deb")" || fail "ingest does not depend on librdkafka1"
  grep -qx libpq5 <<<"$(depends_names "$plugins_deb")" || fail "ingest-plugins does not depend on libpq5"
fi
pass "versions, maintainer, descriptions and Depends (libraries, ingest-plugins on ingest) are right"

# ---- unpacked: build the C example against it, run its runner -----------------------------------
root=$work/root
for deb in "${debs[@]}"; do dpkg -x "$deb" "$root"; done
leaks=$(grep -rlF -e "$src" -e "$build" "$root/usr/include" "$root/usr/lib/cmake" "$root/usr/lib/pkgconfig" || true)
[[ -z $leaks ]] || fail "packaged files name the source or build tree: $leaks"

build_example source_lines_c "$root/usr" "$root/usr/lib/cmake/IngestSDK" -DCMAKE_C_COMPILER="$cc"
example_build=$work/source_lines_c-build
cflags=$(PKG_CONFIG_PATH=$root/usr/lib/pkgconfig PKG_CONFIG_LIBDIR='' pkg-config --cflags ingest-sdk) \
  || fail "pkg-config does not find ingest-sdk in the unpacked /usr/lib/pkgconfig"
include_dir=$(sed -n 's/^ *-I\([^ ]*\) *$/\1/p' <<<"$cflags")
[[ -n $include_dir && $(realpath "$include_dir") == "$root/usr/include" ]] \
  || fail "pkg-config's cflags are '$cflags', not the unpacked /usr/include"
pass "examples/source_lines_c builds against the unpacked ingest-sdk-dev (CMake); pkg-config points into it"

ingest=$root/usr/bin/ingest
run "$work/plugins.log" env -u INGEST_PLUGIN_PATH "$ingest" plugins list
for plugin in source_event_simulator sink_postgres sink_validator; do
  grep -qF "$root/usr/lib/ingest/plugins/$plugin.so" "$log" || fail "the unpacked runner does not find $plugin by itself"
done
printf 'one\ntwo\n' >"$work/sample-lines.txt"
echo "{\"file\": \"$work/sample-lines.txt\"}" >"$work/sample.json"
conform "$ingest" "$example_build/source_lines_c.so" "$work/sample.json" "$cc"
pass "the unpacked runner finds the unpacked plugins without --plugin-path; the example passes its conformance suite"
