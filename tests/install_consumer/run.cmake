# Installs minidl from BUILD_DIR into WORK_DIR/prefix with `cmake --install`, then checks the
# install tree as a user would (check_install.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/check_install.cmake)
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
check_installed_minidl(${WORK_DIR}/prefix ${WORK_DIR})
