# ingest_add_plugin(<name> SOURCES ... [LIBRARIES ...] [OUTPUT_DIRECTORY dir])
#
# Builds a plugin as a loadable module named exactly <name>.so, by default in the build tree's
# plugin directory, with hidden visibility so that only the SDK's entry point is exported.
function(ingest_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT PLUGIN_OUTPUT_DIRECTORY)
    set(PLUGIN_OUTPUT_DIRECTORY ${INGEST_PLUGIN_OUTPUT_DIR})
  endif()
  add_library(${name} MODULE ${PLUGIN_SOURCES})
  target_link_libraries(${name} PRIVATE ingest::sdk ${PLUGIN_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${PLUGIN_OUTPUT_DIRECTORY})
  # Unresolved symbols must fail the build, not the load.
  target_link_options(${name} PRIVATE -Wl,--no-undefined)
  ingest_target_defaults(${name})
endfunction()
