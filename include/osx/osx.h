/* libosx: Python's os module for C.  Umbrella header: include this one. */
#ifndef OSX_OSX_H
#define OSX_OSX_H

#include <osx/common.h>
#include <osx/env.h>
#include <osx/error.h>
#include <osx/fd.h>
#include <osx/fs.h>
#include <osx/interrupt.h>
#include <osx/replace.h>
#include <osx/proc.h>
#include <osx/dir.h>
#include <osx/version.h>

#endif
