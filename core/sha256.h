/* sha256.h — SHA-256 (FIPS 180-4), for keeping the reader API's tokens
 * as hashes (store/readtokens.c). Plain function over bytes: nothing
 * allocated. */
#ifndef FEEDD_SHA256_H
#define FEEDD_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* The digest of DATA (LEN bytes) as 64 lowercase hex digits and a NUL in HEX. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
