# The optional native paths (native/), against Node-API and librdkafka's public C header only
# (issue #34): the header comes from node-rdkafka's own sources (deps/librdkafka/src, there
# as soon as node-rdkafka is unpacked, before any install script runs); nothing is linked
# from its build. librdkafka's functions are found at run time in the copy node-rdkafka loaded.
{
  "variables": {
    "rdkafka": "<!(node -p \"require('path').dirname(require.resolve('node-rdkafka/package.json', { paths: [process.cwd()] }))\")"
  },
  "targets": [{
    "target_name": "klt_batch",
    "sources": ["native/batch.cc", "native/lines.cc", "native/json_scan.cc", "native/log_id.cc", "native/rdkafka_api.cc", "native/handles.cc"],
    "include_dirs": ["<(rdkafka)/deps/librdkafka/src"],
    "defines": ["NAPI_VERSION=8"],
    "cflags_cc": ["-O2", "-std=gnu++17", "-Wno-ignored-qualifiers"],
    "libraries": ["-ldl"]
  }]
}
