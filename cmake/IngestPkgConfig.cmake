# ingest_install_pkgconfig(<name> COMPONENT <component>): configures cmake/<name>.pc.in (@ONLY, with
# the caller's variables) and installs <name>.pc into <libdir>/pkgconfig. The templates find the
# prefix from the .pc file's own place (prefix=${pcfiledir}/@INGEST_PC_TO_PREFIX@), so that
# `cmake --install --prefix P` and a moved prefix both stay right.
function(ingest_install_pkgconfig name)
  cmake_parse_arguments(PC "" "COMPONENT" "" ${ARGN})
  file(RELATIVE_PATH INGEST_PC_TO_PREFIX
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
  string(REGEX REPLACE "/$" "" INGEST_PC_TO_PREFIX "${INGEST_PC_TO_PREFIX}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${name}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${name}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${name}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT ${PC_COMPONENT})
endfunction()
