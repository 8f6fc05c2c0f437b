#ifndef TBMAKE_CARCHIVE_SHIM_H
#define TBMAKE_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
/* Macros Swift cannot import (AE_IFREG and friends) get static inline wrappers here. */
#endif
