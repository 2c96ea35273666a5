// glibc/libxcrypt crypt(3): crypt_gensalt_rn + crypt_rn give yescrypt hashes
// ("$y$...") without the static buffers of crypt().
#include <crypt.h>
