// zlib: raw deflate and CRC-32 for the ZIP container of XLSX exports.
#include <zlib.h>
