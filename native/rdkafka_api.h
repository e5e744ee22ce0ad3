// librdkafka's public C API, found at run time in the librdkafka that node-rdkafka loaded
// (issue #34). This addon links against no librdkafka and reads nothing of node-rdkafka's
// C++ objects: librdkafka promises a stable C ABI across 2.x, the C++ API does not. The
// header is the one in node-rdkafka's own sources (deps/librdkafka/src), there before any
// install script runs; only its declarations are used, never its symbols.
#pragma once
#include <cstdint>
#include "rdkafka.h"

namespace klt {

/** The rd_kafka_* functions this addon calls, each from the loaded librdkafka. */
struct RdkafkaApi {
  decltype(&rd_kafka_version) version;
  decltype(&rd_kafka_name) name;
  decltype(&rd_kafka_err2str) err2str;
  decltype(&rd_kafka_last_error) last_error;
  decltype(&rd_kafka_topic_new) topic_new;
  decltype(&rd_kafka_topic_destroy) topic_destroy;
  decltype(&rd_kafka_headers_new) headers_new;
  decltype(&rd_kafka_header_add) header_add;
  decltype(&rd_kafka_headers_destroy) headers_destroy;
  decltype(&rd_kafka_producev) producev;
  decltype(&rd_kafka_conf_interceptor_add_on_new) conf_interceptor_add_on_new;
  decltype(&rd_kafka_interceptor_add_on_destroy) interceptor_add_on_destroy;
};

/** The version of librdkafka's header this addon was compiled with (RD_KAFKA_VERSION). */
constexpr int32_t kHeaderVersion = RD_KAFKA_VERSION;

/**
 * The API of the loaded librdkafka, or nullptr with `*why` saying what is wrong: no
 * librdkafka loaded in this process (node-rdkafka not loaded yet), or a function missing.
 * Found once; later calls give the same answer.
 */
const RdkafkaApi* Rdkafka(const char** why);

}  // namespace klt
