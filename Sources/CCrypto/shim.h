#ifndef TBMAKE_CCRYPTO_SHIM_H
#define TBMAKE_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

/* EVP_PKEY_KEYPAIR is a macro expression Swift cannot import. */
static const int tb_evp_pkey_keypair = EVP_PKEY_KEYPAIR;
#endif
