// Finding librdkafka's C API in the process (see rdkafka_api.h).
#include "rdkafka_api.h"
#include <dlfcn.h>
#include <atomic>
#include <mutex>
#include <string>

namespace klt {
namespace {

#ifdef __APPLE__
constexpr const char* kLibrary = "librdkafka.1.dylib";
#else
constexpr const char* kLibrary = "librdkafka.so.1";
#endif

RdkafkaApi api;
std::atomic<const RdkafkaApi*> found{nullptr};
std::string failure = "not looked up yet";

template <typename F>
bool Find(void* library, const char* symbol, F* into) {
  *into = reinterpret_cast<F>(dlsym(library, symbol));
  if (*into == nullptr) failure = std::string("the loaded librdkafka has no ") + symbol;
  return *into != nullptr;
}

void Look() {
  // RTLD_NOLOAD: only the copy already loaded (by node-rdkafka's binding); never a second one
  void* library = dlopen(kLibrary, RTLD_NOW | RTLD_NOLOAD);
  if (library == nullptr) {
    failure = "librdkafka is not loaded in this process (node-rdkafka must load first)";
    return;
  }
  bool all = Find(library, "rd_kafka_version", &api.version) && Find(library, "rd_kafka_name", &api.name) &&
             Find(library, "rd_kafka_err2str", &api.err2str) && Find(library, "rd_kafka_last_error", &api.last_error) &&
             Find(library, "rd_kafka_topic_new", &api.topic_new) && Find(library, "rd_kafka_topic_destroy", &api.topic_destroy) &&
             Find(library, "rd_kafka_headers_new", &api.headers_new) && Find(library, "rd_kafka_header_add", &api.header_add) &&
             Find(library, "rd_kafka_headers_destroy", &api.headers_destroy) && Find(library, "rd_kafka_producev", &api.producev) &&
             Find(library, "rd_kafka_conf_interceptor_add_on_new", &api.conf_interceptor_add_on_new) &&
             Find(library, "rd_kafka_interceptor_add_on_destroy", &api.interceptor_add_on_destroy);
  // the handle from dlopen stays open: the library is node-rdkafka's, loaded for the process's life.
  // Whether its version suits the header is decided in JS (librdkafkaMismatch in native-batch.ts).
  if (!all) return;
  failure.clear();
  found = &api;
}

}  // namespace

const RdkafkaApi* Rdkafka(const char** why) {
  // looked up once node-rdkafka has loaded it; before that, looked up again on the next call
  static std::mutex lock;
  const RdkafkaApi* result = found.load();
  if (result == nullptr) {
    std::lock_guard<std::mutex> guard(lock);
    if (found.load() == nullptr) Look();
    result = found.load();
    if (why != nullptr) *why = failure.c_str();  // read under the lock: a later Look() rewrites it
  }
  return result;
}

}  // namespace klt
