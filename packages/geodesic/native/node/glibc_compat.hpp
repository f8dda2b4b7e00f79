// Force-included into the Linux build of the addon (CMakeLists.txt): keeps the prebuilt addon
// loadable on glibc 2.28 (RHEL 8, Ubuntu 20.04 has 2.31, Amazon Linux 2023). libstdc++ 12 makes
// std::condition_variable's timed waits call pthread_cond_clockwait, versioned GLIBC_2.34;
// without this macro its headers use pthread_cond_timedwait (GLIBC_2.3.2) on the system clock.
#pragma once
#include <bits/c++config.h>
#undef _GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT
