# Run at every build (cmake -P): writes build_info.hpp with the current git commit, rewriting
# it only when something changed so nothing recompiles needlessly.
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE IOS_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT IOS_GIT_COMMIT)
  set(IOS_GIT_COMMIT "unknown")
endif()
execute_process(COMMAND git status --porcelain --untracked-files=no
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(dirty)
  set(IOS_GIT_COMMIT "${IOS_GIT_COMMIT}-dirty")
endif()
configure_file(${SOURCE_DIR}/node/core/build_info.hpp.in ${OUTPUT} @ONLY)
