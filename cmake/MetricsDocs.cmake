# Writes or checks docs/metrics.md, the reference of every metric the worker exports: the runner's
# table (runner/metrics/metric_table.cpp) and each plugin's declared metrics, as printed by
# `ingest metrics describe`.
#   cmake -DINGEST=<ingest exe> -DPLUGIN_DIR=<dir> -DTARGET=<docs/metrics.md> -DMODE=write|check -P MetricsDocs.cmake
execute_process(
  COMMAND ${INGEST} --plugin-path ${PLUGIN_DIR} metrics describe
  OUTPUT_VARIABLE generated RESULT_VARIABLE status ERROR_VARIABLE error)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "ingest metrics describe failed: ${error}")
endif()
if(MODE STREQUAL "write")
  file(WRITE "${TARGET}" "${generated}")
else()
  set(committed "")
  if(EXISTS "${TARGET}")
    file(READ "${TARGET}" committed)
  endif()
  if(NOT committed STREQUAL generated)
    message(FATAL_ERROR "${TARGET} is out of date\n"
                        "regenerate it with: cmake --build <build dir> --target metrics-docs")
  endif()
endif()
