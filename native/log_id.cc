#include "log_id.h"
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#if defined(__linux__)
#include <sys/random.h>
#endif

namespace klt {
namespace {

// random bytes drawn from the OS in blocks, not per id
constexpr size_t kPoolBytes = 16 * 1024;
uint8_t pool[kPoolBytes];
size_t poolOffset = kPoolBytes;

// splitmix64: what fills the pool when the OS gives no random bytes (getrandom refused by a
// seccomp filter, no /dev/urandom): log ids stay unique, only less unpredictable
uint64_t mix = 0;
uint64_t SplitMix() {
  uint64_t z = (mix += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool FromOs() {
#if defined(__linux__)
  size_t got = 0;
  for (int tries = 0; got < kPoolBytes && tries < 64; tries++) {
    ssize_t n = getrandom(pool + got, kPoolBytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
    else if (n < 0 && errno != EINTR) break;  // ENOSYS, EPERM: never loops on a call that keeps failing
  }
  if (got == kPoolBytes) return true;
  FILE* f = std::fopen("/dev/urandom", "rb");
  if (f == nullptr) return false;
  size_t read = std::fread(pool, 1, kPoolBytes, f);
  std::fclose(f);
  return read == kPoolBytes;
#else
  arc4random_buf(pool, kPoolBytes);
  return true;
#endif
}

void FillPool() {
  if (!FromOs()) {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    mix ^= static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(ts.tv_sec) << 20) ^ reinterpret_cast<uintptr_t>(&ts);
    for (size_t i = 0; i < kPoolBytes; i += 8) {
      uint64_t r = SplitMix();
      std::memcpy(pool + i, &r, 8);
    }
  }
  poolOffset = 0;
}

const uint8_t* Random16() {
  if (poolOffset + 16 > kPoolBytes) FillPool();
  const uint8_t* r = pool + poolOffset;
  poolOffset += 16;
  return r;
}

int64_t lastMs = -1;
uint32_t seq = 0;
const char kHex[] = "0123456789abcdef";

}  // namespace

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void NextLogId(char* out, int64_t nowMs) {
  const uint8_t* r = Random16();
  int64_t ms = nowMs;
  if (ms > lastMs) {
    seq = ((static_cast<uint32_t>(r[6]) & 0x7f) << 24) | (static_cast<uint32_t>(r[7]) << 16) |
          (static_cast<uint32_t>(r[8]) << 8) | r[9];
    lastMs = ms;
  } else {
    seq = seq + 1;  // wraps as JS's `(seq + 1) | 0` does
    if (seq == 0) lastMs++;
    ms = lastMs;
  }
  uint8_t b[16];
  for (int i = 0; i < 6; i++) b[i] = static_cast<uint8_t>(static_cast<uint64_t>(ms) >> (8 * (5 - i)));
  b[6] = static_cast<uint8_t>(0x70 | ((seq >> 28) & 0x0f));
  b[7] = static_cast<uint8_t>(seq >> 20);
  b[8] = static_cast<uint8_t>(0x80 | ((seq >> 14) & 0x3f));
  b[9] = static_cast<uint8_t>(seq >> 6);
  b[10] = static_cast<uint8_t>(((seq << 2) & 0xff) | (r[10] & 0x03));
  for (int i = 11; i < 16; i++) b[i] = r[i];
  char* o = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
    *o++ = kHex[b[i] >> 4];
    *o++ = kHex[b[i] & 0x0f];
  }
}

}  // namespace klt
