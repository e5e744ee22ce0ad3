# node-gyp rebuild, run in this directory after `npm install` at the repository's root
{
  "variables": {
    "rdkafka": "<!(node -p \"require('path').dirname(require.resolve('node-rdkafka/package.json', { paths: [process.cwd()] }))\")",
    "nan": "<!(node -p \"require('path').dirname(require.resolve('nan/package.json', { paths: [process.cwd()] }))\")"
  },
  "targets": [{
    "target_name": "klt_batch",
    "sources": ["batch.cc"],
    "include_dirs": ["<(nan)", "<(rdkafka)", "<(rdkafka)/build/deps/include/librdkafka"],
    "cflags_cc": ["-O2"],
    "cflags_cc!": ["-fno-rtti"],
    "libraries": ["-L<(rdkafka)/build/deps", "-lrdkafka"]
  }]
}
