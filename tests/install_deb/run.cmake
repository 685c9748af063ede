# The Debian package: `cpack -G DEB` in BUILD_DIR (everything is built when ctest runs, so this is
# the install step and the archive, a few seconds), then
# - every package the .deb depends on exists in this machine's apt sources (a wrong name such as
#   libdnnl3, which Debian 12 does not have, makes `apt install ./minidl.deb` fail for users);
# - the package holds the command, the headers, the library and the CMake package;
# - unpacked into a scratch root (dpkg -x: the files as dpkg would place them, without touching
#   this machine's package database), its command runs and a consumer project builds against it.
include(${SOURCE_DIR}/tests/install_consumer/check_install.cmake)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(COMMAND cpack -G DEB -B ${WORK_DIR}/package WORKING_DIRECTORY ${BUILD_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(GLOB debs ${WORK_DIR}/package/minidl_*.deb)
list(LENGTH debs count)
if(NOT rc EQUAL 0 OR NOT count EQUAL 1)
  message(FATAL_ERROR "cpack -G DEB failed (${rc}, ${count} packages): ${out}${err}")
endif()

execute_process(COMMAND dpkg-deb --field ${debs} Depends OUTPUT_VARIABLE depends OUTPUT_STRIP_TRAILING_WHITESPACE)
message(STATUS "Depends: ${depends}")
string(REPLACE "," ";" alternatives_list "${depends}")
foreach(entry ${alternatives_list})
  # "libfoo1 (>= 1.2) | libbar": one of the alternatives must be known to apt.
  string(REGEX REPLACE "\\([^)]*\\)" "" entry "${entry}")
  string(REPLACE "|" ";" names "${entry}")
  set(found FALSE)
  foreach(name ${names})
    string(STRIP "${name}" name)
    execute_process(COMMAND apt-cache show ${name} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(rc EQUAL 0)
      set(found TRUE)
    endif()
  endforeach()
  if(NOT found)
    message(FATAL_ERROR "${debs} depends on '${entry}', which apt does not know")
  endif()
endforeach()

execute_process(COMMAND dpkg-deb --contents ${debs} OUTPUT_VARIABLE contents)
foreach(path ./usr/bin/minidl ./usr/include/minidl/minidl.h minidlConfig.cmake libminidl)
  string(FIND "${contents}" "${path}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${debs} has no ${path}:\n${contents}")
  endif()
endforeach()

execute_process(COMMAND dpkg -x ${debs} ${WORK_DIR}/root RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dpkg -x ${debs} failed: ${rc}")
endif()
check_installed_minidl(${WORK_DIR}/root/usr ${WORK_DIR})
