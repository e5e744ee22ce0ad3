// The plugin half of the addon (see handles.h): conf_init, on_new, on_destroy.
#include "handles.h"
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>

namespace klt {
namespace {

constexpr const char* kInterceptor = "kafka-log-transport";

std::shared_mutex lock;
std::map<uint32_t, rd_kafka_t*> live;
uint32_t nextId = 1;

rd_kafka_resp_err_t OnDestroy(rd_kafka_t* rk, void* opaque) {
  // waits for any native call under way with this handle
  std::unique_lock<std::shared_mutex> guard(lock);
  live.erase(static_cast<uint32_t>(reinterpret_cast<uintptr_t>(opaque)));
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t OnNew(rd_kafka_t* rk, const rd_kafka_conf_t*, void*, char* errstr, size_t errstrSize) {
  const RdkafkaApi* api = Rdkafka(nullptr);
  if (api == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;  // no handle for us: the JS side falls back
  uint32_t id;
  {
    std::unique_lock<std::shared_mutex> guard(lock);
    id = nextId++;
    live[id] = rk;
  }
  // on_new may only add interceptors to rk; its name is set later (claimed after connect)
  rd_kafka_resp_err_t err = api->interceptor_add_on_destroy(rk, kInterceptor, OnDestroy, reinterpret_cast<void*>(static_cast<uintptr_t>(id)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::unique_lock<std::shared_mutex> guard(lock);
    live.erase(id);  // without on_destroy we could not know when it goes: never use it
  }
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace

uint32_t ClaimHandle(const std::string& name) {
  const RdkafkaApi* api = Rdkafka(nullptr);
  if (api == nullptr) return 0;
  std::shared_lock<std::shared_mutex> guard(lock);
  for (const auto& h : live) {
    if (name == api->name(h.second)) return h.first;
  }
  return 0;
}

void ReleaseHandle(uint32_t id) {
  std::unique_lock<std::shared_mutex> guard(lock);
  live.erase(id);
}

uint32_t LiveHandles() {
  std::shared_lock<std::shared_mutex> guard(lock);
  return static_cast<uint32_t>(live.size());
}

rd_kafka_t* LockHandle(uint32_t id) {
  lock.lock_shared();
  auto found = live.find(id);
  return found == live.end() ? nullptr : found->second;
}

void UnlockHandle() { lock.unlock_shared(); }

}  // namespace klt

// librdkafka's plugin entry point: called for each config that names this file in
// plugin.library.paths (node-rdkafka's C++ wrapper copies the config, so twice per producer).
extern "C" __attribute__((visibility("default"))) rd_kafka_resp_err_t conf_init(
    rd_kafka_conf_t* conf, void** plugOpaque, char* errstr, size_t errstrSize) {
  *plugOpaque = nullptr;
  const char* why = nullptr;
  const klt::RdkafkaApi* api = klt::Rdkafka(&why);
  if (api == nullptr) {
    std::snprintf(errstr, errstrSize, "kafka-log-transport: %s", why != nullptr ? why : "librdkafka not found");
    return RD_KAFKA_RESP_ERR__INVALID_ARG;
  }
  rd_kafka_resp_err_t err = api->conf_interceptor_add_on_new(conf, klt::kInterceptor, klt::OnNew, nullptr);
  return err == RD_KAFKA_RESP_ERR__CONFLICT ? RD_KAFKA_RESP_ERR_NO_ERROR : err;
}
