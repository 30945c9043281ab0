# Writes or checks the generated reference of each plugin's connector config:
#   schemas/connectors/<plugin>.schema.json and docs/plugins/<plugin>.md
# Run as a script:
#   cmake -DINGEST=<ingest exe> -DPLUGIN_DIR=<dir> -DSOURCE_DIR=<repo> -DPLUGINS=a,b -DMODE=write|check -P PluginDocs.cmake
# MODE=check fails when a committed file differs from what the plugin's table generates.
set(drift "")
string(REPLACE "," ";" PLUGINS "${PLUGINS}")
foreach(plugin IN LISTS PLUGINS)
  foreach(kind json-schema markdown)
    if(kind STREQUAL "json-schema")
      set(target "${SOURCE_DIR}/schemas/connectors/${plugin}.schema.json")
    else()
      set(target "${SOURCE_DIR}/docs/plugins/${plugin}.md")
    endif()
    execute_process(
      COMMAND ${INGEST} --plugin-path ${PLUGIN_DIR} plugins describe ${plugin} --format ${kind}
      OUTPUT_VARIABLE generated RESULT_VARIABLE status ERROR_VARIABLE error)
    if(NOT status EQUAL 0)
      message(FATAL_ERROR "ingest plugins describe ${plugin} failed: ${error}")
    endif()
    if(MODE STREQUAL "write")
      file(WRITE "${target}" "${generated}")
    else()
      set(committed "")
      if(EXISTS "${target}")
        file(READ "${target}" committed)
      endif()
      if(NOT committed STREQUAL generated)
        string(APPEND drift "\n  ${target}")
      endif()
    endif()
  endforeach()
endforeach()
if(drift)
  message(FATAL_ERROR "generated plugin docs are out of date:${drift}\n"
                      "regenerate them with: cmake --build <build dir> --target plugin-docs")
endif()
