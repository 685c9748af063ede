# ctest python_install: cmake --install into PREFIX, then /usr/bin/python3 imports minidl from
# PREFIX/SITE (and not from the build tree) and runs one training step.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
set(code "import minidl, sys
assert minidl.__file__.startswith(sys.argv[1]), minidl.__file__
m = minidl.nn.Linear(2, 1)
minidl.nn.functional.mse_loss(m(minidl.ones(4, 2)), minidl.zeros(4, 1)).backward()
assert m.weight.grad is not None
print('imported', minidl.__file__)")
execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${PREFIX}/${SITE} ${PYTHON} -c "${code}" ${PREFIX}
                WORKING_DIRECTORY ${PREFIX} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "import minidl from ${PREFIX}/${SITE} failed (${rc})")
endif()
