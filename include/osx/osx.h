/* libosx: Python's os module for C.  Umbrella header: include this one. */
#ifndef OSX_OSX_H
#define OSX_OSX_H

#include <osx/common.h>
#include <osx/error.h>
#include <osx/dir.h>

#endif
