# How an ingest plugin is built: the one definition, used by this project's own plugins and
# installed with the SDK's CMake package (find_package(IngestSDK) includes it), so a plugin built
# out of tree gets exactly the module the runner loads. It needs the targets ingest::sdk and
# ingest::abi (the project's aliases, or the package's imported targets).
#
# Optional variables, read when the helpers run:
#   INGEST_PLUGIN_OUTPUT_DIR       where modules land when OUTPUT_DIRECTORY is not given
#                                  (unset: CMake's default, the current binary directory)
#   INGEST_PLUGIN_TARGET_DEFAULTS  name of a function(target) called on every target made here
#                                  (this project: its warnings and sanitizer flags)

# ingest_add_plugin(<name> SOURCES ... [CORE_SOURCES src...] [LIBRARIES ...] [OUTPUT_DIRECTORY dir])
#
# Builds a plugin as a loadable module named exactly <name>.so (no `lib` prefix: the runner and the
# connector configs know a plugin by that file name), with hidden visibility so that only the SDK's
# entry point is exported, and with unresolved symbols failing the link instead of the load.
#
# The SDK it links follows the project's languages: ingest::sdk (the C++20 layer and plugin_abi.h)
# when the project has enabled CXX, else ingest::abi (plugin_abi.h alone, C11). So a plugin in C,
# in a project(... LANGUAGES C), needs no option and never meets a C++ requirement.
#
# With CORE_SOURCES (the plugin's src/), everything but the export goes into a static library
# <name>_core (alias plugins::<name>_core) with src/ as its include directory; the module, the
# plugin's unit tests and benchmarks link it. LIBRARIES are linked into the core when there is
# one, else into the module.
function(ingest_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "OUTPUT_DIRECTORY" "CORE_SOURCES;SOURCES;LIBRARIES" ${ARGN})
  if(NOT PLUGIN_SOURCES)
    message(FATAL_ERROR "ingest_add_plugin(${name}): SOURCES is missing (the file that exports the plugin)")
  endif()
  if(PLUGIN_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ingest_add_plugin(${name}): unknown arguments: ${PLUGIN_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT PLUGIN_OUTPUT_DIRECTORY AND INGEST_PLUGIN_OUTPUT_DIR)
    set(PLUGIN_OUTPUT_DIRECTORY ${INGEST_PLUGIN_OUTPUT_DIR})
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(CXX IN_LIST languages)
    set(sdk ingest::sdk)
  else()
    set(sdk ingest::abi)
  endif()
  set(module_libraries ${PLUGIN_LIBRARIES})
  if(PLUGIN_CORE_SOURCES)
    ingest_add_plugin_library(${name}_core
      SOURCES ${PLUGIN_CORE_SOURCES}
      INCLUDE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/src
      LIBRARIES ${sdk} ${PLUGIN_LIBRARIES})
    set(module_libraries ${name}_core)
  endif()
  add_library(${name} MODULE ${PLUGIN_SOURCES})
  add_library(plugins::${name} ALIAS ${name})
  target_link_libraries(${name} PRIVATE ${sdk} ${module_libraries})
  # PREFIX and SUFFIX are explicit: the runner loads `<name>.so` whatever the platform's defaults.
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PLUGIN_OUTPUT_DIRECTORY})
  endif()
  # Unresolved symbols must fail the build, not the load.
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
  _ingest_plugin_target_defaults(${name})
endfunction()

# ingest_add_plugin_library(<name> SOURCES ... INCLUDE_DIRECTORY dir [LIBRARIES ...])
#
# A static library for linking into plugin modules (alias plugins::<name>): position-independent
# and with hidden visibility, so that nothing of it is exported from the .so files it ends up in
# and two plugins carrying the same code cannot interpose each other's symbols. LIBRARIES and the
# include directory propagate to whoever links it.
function(ingest_add_plugin_library name)
  cmake_parse_arguments(LIB "" "INCLUDE_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(LIB_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ingest_add_plugin_library(${name}): unknown arguments: ${LIB_UNPARSED_ARGUMENTS}")
  endif()
  add_library(${name} STATIC ${LIB_SOURCES})
  add_library(plugins::${name} ALIAS ${name})
  target_include_directories(${name} PUBLIC ${LIB_INCLUDE_DIRECTORY})
  target_link_libraries(${name} PUBLIC ${LIB_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  _ingest_plugin_target_defaults(${name})
endfunction()

function(_ingest_plugin_target_defaults target)
  if(INGEST_PLUGIN_TARGET_DEFAULTS)
    cmake_language(CALL ${INGEST_PLUGIN_TARGET_DEFAULTS} ${target})
  endif()
endfunction()
