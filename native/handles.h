// The librdkafka handles of our producers, handed to us by librdkafka itself (issue #34).
// This addon is also a librdkafka plugin: the producer's config names the addon's file in
// `plugin.library.paths`, librdkafka calls its conf_init(), and the on_new interceptor that
// registers gets each rd_kafka_t* as rd_kafka_new() makes it. After connect, the JS side
// claims its producer's handle by the name node-rdkafka reported; the on_destroy interceptor
// (and a release before disconnect) takes it away again. A handle is used only under a read
// lock, which on_destroy waits for: it cannot be destroyed while a native call uses it.
#pragma once
#include <cstdint>
#include <string>
#include "rdkafka_api.h"

namespace klt {

/** The id of the live handle named `name` (rd_kafka_name()), or 0 when there is none. */
uint32_t ClaimHandle(const std::string& name);

/** Forget handle `id` (the producer is about to disconnect): later calls with it find nothing. */
void ReleaseHandle(uint32_t id);

/** How many handles librdkafka has handed us and not yet destroyed (for tests). */
uint32_t LiveHandles();

/**
 * Run `use(api, rk)` with handle `id` read-locked. Returns false, having called nothing,
 * when the handle is gone (released, destroyed) or librdkafka's API is not there.
 */
template <typename Use>
bool WithHandle(uint32_t id, Use use);

/** Internal to WithHandle: lock, find, unlock. */
rd_kafka_t* LockHandle(uint32_t id);
void UnlockHandle();

template <typename Use>
bool WithHandle(uint32_t id, Use use) {
  const RdkafkaApi* api = Rdkafka(nullptr);
  if (api == nullptr) return false;
  rd_kafka_t* rk = LockHandle(id);
  if (rk != nullptr) use(*api, rk);
  UnlockHandle();
  return rk != nullptr;
}

}  // namespace klt
