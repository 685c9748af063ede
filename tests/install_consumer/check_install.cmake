# check_installed_minidl(PREFIX WORK): what a user of an installed minidl relies on. PREFIX/bin/minidl
# --version runs, and a project outside the tree (tests/install_consumer) finds the CMake package
# under PREFIX, builds against it in WORK/build and runs. Used by the `cmake --install` test
# (run.cmake) and the Debian package test (tests/install_deb/run.cmake).
function(check_installed_minidl prefix work)
  execute_process(COMMAND ${prefix}/bin/minidl --version RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "^minidl [0-9]+\\.[0-9]+\\.[0-9]+ \\(.* build, commit .*\\)")
    message(FATAL_ERROR "the installed ${prefix}/bin/minidl --version failed (${rc}): ${out}${err}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install_consumer -B ${work}/build
                          -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring the consumer against ${prefix} failed: ${rc}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${work}/build RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building the consumer against ${prefix} failed: ${rc}")
  endif()
  execute_process(COMMAND ${work}/build/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  message(STATUS "consumer printed: ${out}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "grad = 6")
    message(FATAL_ERROR "the consumer built against ${prefix} failed (${rc}): ${out}")
  endif()
endfunction()
