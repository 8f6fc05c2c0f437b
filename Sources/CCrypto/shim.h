#ifndef TBMAKE_CCRYPTO_SHIM_H
#define TBMAKE_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
