# The optional native paths (native/: batch.cc, lines.cc), built at install by scripts/build-native.cjs
# against the node-rdkafka installed beside this package: its sources' headers, the nan it
# builds with, and the librdkafka it built (build/deps).
{
  "variables": {
    "rdkafka": "<!(node -p \"require('path').dirname(require.resolve('node-rdkafka/package.json', { paths: [process.cwd()] }))\")",
    "nan": "<!(node -p \"require('path').dirname(require.resolve('nan/package.json', { paths: [require('path').dirname(require.resolve('node-rdkafka/package.json', { paths: [process.cwd()] }))] }))\")"
  },
  "targets": [{
    "target_name": "klt_batch",
    "sources": ["native/batch.cc", "native/lines.cc", "native/json_scan.cc", "native/log_id.cc"],
    "include_dirs": ["<(nan)", "<(rdkafka)", "<(rdkafka)/build/deps/include/librdkafka"],
    "cflags_cc": ["-O2"],
    "cflags_cc!": ["-fno-rtti"],
    "libraries": ["-L<(rdkafka)/build/deps", "-lrdkafka", "-Wl,-rpath,<(rdkafka)/build/deps"]
  }]
}
