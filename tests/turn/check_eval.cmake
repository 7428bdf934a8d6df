# Runs `aicc turn --eval` and fails unless its last line is exactly
# "accuracy <float> (<correct>/<total>)" with the float at or above FLOOR.
execute_process(COMMAND ${AICC} turn --eval ${CORPUS} --mode ${MODE}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "aicc turn --eval exited ${rc}:\n${out}")
endif()
string(STRIP "${out}" out)
string(REGEX MATCH "[^\n]*$" last "${out}")
if(NOT last MATCHES "^accuracy ([0-9.]+) \\(([0-9]+)/([0-9]+)\\)$")
  message(FATAL_ERROR "last line is not 'accuracy <float> (<correct>/<total>)': '${last}'")
endif()
set(acc ${CMAKE_MATCH_1})
message(STATUS "${MODE}: ${last}")
if(acc LESS ${FLOOR})
  message(FATAL_ERROR "${MODE} accuracy ${acc} fell below the floor ${FLOOR}")
endif()
