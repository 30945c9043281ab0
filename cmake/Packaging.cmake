# Debian packages of this build: `cpack -G DEB` in the build tree (scripts/package does it all).
#
# One package per install component, so that a machine takes only what it needs:
#   ingest          (component runtime)  the runner, /usr/bin/ingest
#   ingest-plugins  (component plugins)  the shipped plugins, /usr/lib/ingest/plugins/*.so, where the
#                                        runner looks by default; depends on the same version of ingest
#   ingest-sdk-dev  (component sdk)      the plugin SDK: headers (/usr/include/ingest), the CMake
#                                        package IngestSDK and ingest-sdk.pc; headers only, so
#                                        architecture `all`, and all a plugin in C needs
#   ingest-harness-dev (component harness) the plugin test harness and conformance suite for a
#                                        plugin's own tests: libingest_harness.so, its headers,
#                                        find_package(IngestSDK COMPONENTS harness), ingest-harness.pc;
#                                        depends on the same ingest-sdk-dev and on libgtest-dev
# The packages' version is the project's; the SDK's own version (the plugin ABI's) is in its CMake
# package and its .pc file. Library dependencies come from dpkg-shlibdeps (dpkg-dev) when the
# machine has it, else from the lists below.
set(CPACK_PACKAGE_NAME ingest)
set(CPACK_PACKAGE_VENDOR ingest)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(INGEST_PACKAGE_MAINTAINER "ingest maintainers <maintainers@users.noreply.b-seed-3ae37756.example>"
  CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT ${INGEST_PACKAGE_MAINTAINER})

set(CPACK_GENERATOR DEB)
set(CPACK_COMPONENTS_ALL runtime plugins sdk harness)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# Component dependencies (plugins -> runtime, harness -> sdk) become Depends on the exact version.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

# Descriptions: the first line is the package's summary (so CPACK_PACKAGE_DESCRIPTION_SUMMARY
# stays unset: CPack would put it in front of every one).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ingest)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS ingest-plugins)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "Kafka Connect-style ingestion runner with loadable plugins
`ingest run` loads source and sink plugins (shared objects), described by
JSON connector configs in a directory, and moves their records through
Kafka: an embedded broker by default, a real cluster when told. A REST API
compatible with a subset of Kafka Connect's, Prometheus metrics.")

set(CPACK_DEBIAN_PLUGINS_PACKAGE_NAME ingest-plugins)
set(CPACK_DEBIAN_PLUGINS_PACKAGE_SECTION net)
set(CPACK_COMPONENT_PLUGINS_DEPENDS runtime)
set(CPACK_DEBIAN_PLUGINS_DESCRIPTION "Plugins shipped with the ingest runner
source_event_simulator (user activity events), sink_postgres (exactly
once into PostgreSQL) and sink_validator (checks the table against the
topic), in /usr/lib/ingest/plugins where the runner looks by default.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME ingest-sdk-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_SDK_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_SDK_PACKAGE_SUGGESTS "ingest, cmake (>= 3.25) | pkg-config")
set(CPACK_DEBIAN_SDK_DESCRIPTION "Plugin SDK of the ingest runner (headers)
plugin_abi.h, the plain C boundary (C11); sdk.hpp and config.hpp, the
C++20 layer on top; the CMake package IngestSDK (targets ingest::abi and
ingest::sdk, ingest_add_plugin()) and the pkg-config module ingest-sdk.")

set(CPACK_DEBIAN_HARNESS_PACKAGE_NAME ingest-harness-dev)
set(CPACK_DEBIAN_HARNESS_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_HARNESS_DEPENDS sdk)
set(CPACK_DEBIAN_HARNESS_DESCRIPTION "Test harness and conformance suite for ingest plugins
libingest_harness drives a plugin's shared object through the runner's own
loader, config validation and task calls, with Kafka played in memory, and
runs the conformance suite of `ingest plugin check` from a plugin's tests:
find_package(IngestSDK COMPONENTS harness) or pkg-config's ingest-harness.")

# Library dependencies: dpkg-shlibdeps (package dpkg-dev) reads them from the binaries. Without
# it, these lists stand in: what it finds on Debian 12, without version bounds (the sdk.deb_package
# test fails when they drift apart).
set(INGEST_DEB_RUNTIME_LIBRARIES libboost-json1.81.0 libboost-log1.81.0 libboost-thread1.81.0 libc6
  libcpp-httplib0.11 libgcc-s1 libprometheus-cpp-core1.0 librdkafka1 libstdc++6)
set(INGEST_DEB_PLUGINS_LIBRARIES libboost-json1.81.0 libc6 libgcc-s1 libpq5 libsimdjson14 libstdc++6)
set(INGEST_DEB_HARNESS_LIBRARIES libboost-json1.81.0 libboost-log1.81.0 libboost-thread1.81.0 libc6
  libgcc-s1 libprometheus-cpp-core1.0 librdkafka1 libstdc++6)
# Not a library the harness links, but the one its CMake package and harness_gtest.hpp need.
set(CPACK_DEBIAN_HARNESS_PACKAGE_DEPENDS libgtest-dev)
find_program(INGEST_DPKG_SHLIBDEPS dpkg-shlibdeps)
foreach(component RUNTIME PLUGINS HARNESS)
  if(INGEST_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_${component}_PACKAGE_SHLIBDEPS ON)
  else()
    list(APPEND CPACK_DEBIAN_${component}_PACKAGE_DEPENDS ${INGEST_DEB_${component}_LIBRARIES})
    list(JOIN CPACK_DEBIAN_${component}_PACKAGE_DEPENDS ", " CPACK_DEBIAN_${component}_PACKAGE_DEPENDS)
  endif()
endforeach()

include(CPack)
