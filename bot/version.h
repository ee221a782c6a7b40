/* version.h — the release this build reports (`healer version`, the log, healer_build_info). */
#ifndef HEALER_VERSION_H
#define HEALER_VERSION_H

#ifndef HEALER_VERSION
#define HEALER_VERSION "0.1.0"
#endif

#endif
