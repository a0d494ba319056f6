// The target that owns the test executables' precompiled header (tests/CMakeLists.txt); it
// compiles nothing of its own.
