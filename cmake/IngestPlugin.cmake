# ingest_add_plugin(<name> [CORE_SOURCES src...] SOURCES ... [LIBRARIES ...] [OUTPUT_DIRECTORY dir])
#
# Builds a plugin as a loadable module named exactly <name>.so, by default in the build tree's
# plugin directory, with hidden visibility so that only the SDK's entry point is exported.
#
# With CORE_SOURCES (the plugin's src/), everything but the export goes into a static library
# <name>_core (alias plugins::<name>_core) with src/ as its include directory; the module, the
# plugin's unit tests and benchmarks link it. LIBRARIES are linked into the core when there is
# one, else into the module.
function(ingest_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "OUTPUT_DIRECTORY" "CORE_SOURCES;SOURCES;LIBRARIES" ${ARGN})
  if(NOT PLUGIN_OUTPUT_DIRECTORY)
    set(PLUGIN_OUTPUT_DIRECTORY ${INGEST_PLUGIN_OUTPUT_DIR})
  endif()
  set(module_libraries ${PLUGIN_LIBRARIES})
  if(PLUGIN_CORE_SOURCES)
    ingest_add_plugin_library(${name}_core
      SOURCES ${PLUGIN_CORE_SOURCES}
      INCLUDE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/src
      LIBRARIES ingest::sdk ${PLUGIN_LIBRARIES})
    set(module_libraries ${name}_core)
  endif()
  add_library(${name} MODULE ${PLUGIN_SOURCES})
  add_library(plugins::${name} ALIAS ${name})
  target_link_libraries(${name} PRIVATE ingest::sdk ${module_libraries})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${PLUGIN_OUTPUT_DIRECTORY})
  # Unresolved symbols must fail the build, not the load.
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
  ingest_target_defaults(${name})
endfunction()

# ingest_add_plugin_library(<name> SOURCES ... INCLUDE_DIRECTORY dir [LIBRARIES ...])
#
# A static library for linking into plugin modules (alias plugins::<name>): position-independent
# and with hidden visibility, so that nothing of it is exported from the .so files it ends up in
# and two plugins carrying the same code cannot interpose each other's symbols. LIBRARIES and the
# include directory propagate to whoever links it.
function(ingest_add_plugin_library name)
  cmake_parse_arguments(LIB "" "INCLUDE_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} STATIC ${LIB_SOURCES})
  add_library(plugins::${name} ALIAS ${name})
  target_include_directories(${name} PUBLIC ${LIB_INCLUDE_DIRECTORY})
  target_link_libraries(${name} PUBLIC ${LIB_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  ingest_target_defaults(${name})
endfunction()
