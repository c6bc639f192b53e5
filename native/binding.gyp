# Builds adaptlab's libtorch shim. LIBTORCH=/path (with include/ and lib/) selects another libtorch;
# without it the Debian libtorch-dev under /usr is used. See paths.cjs.
{
  "targets": [
    {
      "target_name": "adaptlab_native",
      "sources": ["src/addon.cc", "src/handles.cc", "src/convert.cc", "src/allocator.cc", "src/errors.cc",
                  "src/kernels/max_pool2d.cc", "src/kernels/sgd_step.cc", "src/kernels/dropout.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node paths.cjs include)"
      ],
      "libraries": ["<!@(node paths.cjs libs)"],
      "ldflags": ["<!@(node paths.cjs ldflags)"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-fopenmp", "-ffp-contract=off", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<!(node paths.cjs abi)"]
    }
  ]
}
