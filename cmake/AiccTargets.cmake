# Shared build settings and helpers for module, test and bench targets.
add_library(aicc_build_flags INTERFACE)
target_compile_options(aicc_build_flags INTERFACE -Wall -Wextra -Werror)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  # The portable baseline; hot kernels add AVX2/FMA paths with target
  # attributes and choose at run time (vad/).
  target_compile_options(aicc_build_flags INTERFACE -msse4.2)
endif()
if(AICC_SANITIZE)
  target_compile_options(aicc_build_flags INTERFACE -fsanitize=${AICC_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(aicc_build_flags INTERFACE -fsanitize=${AICC_SANITIZE})
endif()

# aicc_module(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Creates library target aicc_<name> whose public headers live in
# src/<name>/ and are included as "<name>/header.h".
function(aicc_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(aicc_${name} STATIC ${ARG_SOURCES})
  target_include_directories(aicc_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(aicc_${name} PUBLIC ${ARG_PUBLIC_DEPS} aicc_build_flags PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# aicc_test(<name> SOURCES ... LIBS ... [LABELS unit|integration|slow] [TIMEOUT s])
function(aicc_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main aicc_build_flags)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
  target_compile_definitions(${name} PRIVATE
    AICC_SOURCE_DIR="${PROJECT_SOURCE_DIR}" AICC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "AICC_SOURCE_DIR=${PROJECT_SOURCE_DIR};AICC_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# aicc_fuzzer(<name> SOURCES ... LIBS ...): a libFuzzer target (clang only).
function(aicc_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} aicc_build_flags)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
