import { describe, expect, it } from 'vitest';
import { RUNTIME_TEXT_MAX, loadErrorLine, runErrorLine, runtimeText } from './ort-error';

/**
 * Messages as onnxruntime 1.30 throws them (onnxruntime-web's wasm build and
 * onnxruntime-node's Linux build, copied from their errors on the broken
 * graphs of tests/ort-errors.test.ts), and the Windows and Azure build paths
 * its other builds print.
 */
const WEB_OPSET =
  "Can't create a session. ERROR_CODE: 1, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/graph/model_load_utils.h:56 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::unordered_map<std::string, int> &, const logging::Logger &, bool, const std::string &, int) ONNX Runtime only *guarantees* support for models stamped with official released onnx opset versions. Opset 99999 is under development and support for this is limited.\n";
const NODE_OPSET =
  '/onnxruntime_src/onnxruntime/core/graph/model_load_utils.h:46 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::unordered_map<std::__cxx11::basic_string<char>, int>&, const onnxruntime::logging::Logger&, bool, const std::string&, int) ONNX Runtime only *guarantees* support for models stamped with official released onnx opset versions. Opset 99999 is under development and support for this is limited.\n';
const WEB_OP =
  "Can't create a session. ERROR_CODE: 6, ERROR_MESSAGE: No Op registered for FrobnicateX with domain_version of 17";
const NODE_OP =
  'This is an invalid model. In Node, ("FrobnicateX_0", FrobnicateX, "", -1) : ("x": tensor(float),"x": tensor(float),) -> ("y": tensor(float),) , Error No Op registered for FrobnicateX with domain_version of 17';
const WEB_RESHAPE =
  'failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:93 onnxruntime::ReshapeHelper::ReshapeHelper(const TensorShape &, TensorShapeVector &, bool) input_shape_size == requested_shape_size was false. The input tensor cannot be reshaped to the requested shape. Input shape:{1,1,16}, requested shape:{1,256,1} ';
const NODE_MATMUL =
  "Non-zero status code returned while running MatMul node. Name:'MatMul_0' Status Message: matmul_helper.h:59 Compute MatMul dimension mismatch";
const WINDOWS =
  '[ONNXRuntimeError] : 1 : FAIL : C:\\a\\_work\\1\\s\\onnxruntime\\core\\session\\provider_bridge_ort.cc:1778 onnxruntime::ProviderLibrary::Get [ONNXRuntimeError] : 1 : FAIL : LoadLibrary failed with error 126 "" when trying to load "C:\\a\\_work\\1\\b\\Release\\onnxruntime_providers_cuda.dll"';
const LINUX_CUDA =
  '/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1778 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory';

const BUILD_PATH = /onnxruntime_src|_work|azure_nvme|\/mnt\/|[A-Z]:\\|\.(h|cc|cpp):\d+/;

describe("onnxruntime's text, for a user", () => {
  it.each([
    [
      'web, opset',
      WEB_OPSET,
      'ONNX Runtime only *guarantees* support for models stamped with official released onnx opset versions. Opset 99999 is under development and support for this is limited.',
    ],
    [
      'node, opset',
      NODE_OPSET,
      'ONNX Runtime only *guarantees* support for models stamped with official released onnx opset versions. Opset 99999 is under development and support for this is limited.',
    ],
    ['web, unknown op', WEB_OP, 'No Op registered for FrobnicateX with domain_version of 17'],
    [
      'node, unknown op',
      NODE_OP,
      'invalid model: node "FrobnicateX_0" (FrobnicateX): No Op registered for FrobnicateX with domain_version of 17',
    ],
    [
      'web, a reshape at run time',
      WEB_RESHAPE,
      'input_shape_size == requested_shape_size was false. The input tensor cannot be reshaped to the requested shape. Input shape:{1,1,16}, requested shape:{1,256,1}',
    ],
    ['node, a MatMul at run time', NODE_MATMUL, "node 'MatMul_0' (MatMul): MatMul dimension mismatch"],
    [
      'windows, a provider library',
      WINDOWS,
      'LoadLibrary failed with error 126 "" when trying to load "onnxruntime_providers_cuda.dll"',
    ],
    [
      'linux, a provider library',
      LINUX_CUDA,
      'Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory',
    ],
  ])('%s: the runtime’s words, without its build paths', (_name, raw, want) => {
    const text = runtimeText(new Error(raw));
    expect(text).toBe(want);
    expect(text).not.toMatch(BUILD_PATH);
    expect(text).not.toMatch(/\n|ERROR_CODE|ERROR_MESSAGE|\[ONNXRuntimeError\]/);
  });

  it('drops stack text and keeps the user’s own paths', () => {
    const e = new Error('Failed to load model because protobuf parsing failed.');
    e.message +=
      '\n    at new OnnxruntimeSessionHandler (/opt/build/node_modules/onnxruntime-node/lib/backend.ts:44:30)';
    expect(runtimeText(e)).toBe('Failed to load model because protobuf parsing failed.');
    expect(runtimeText('Deserialize tensor w failed. Stacktrace:\n/x.cc:1 f()')).toBe(
      'Deserialize tensor w failed.',
    );
    expect(runtimeText(new Error('cannot read /home/me/models/a.onnx_data'))).toBe(
      'cannot read /home/me/models/a.onnx_data',
    );
  });

  it('is one bounded line for any value thrown', () => {
    expect(runtimeText(undefined)).toBe('unknown error');
    expect(runtimeText(42)).toBe('42');
    expect(runtimeText(new Error(''))).toBe('no message');
    const long = runtimeText(new Error(`shape {${'1,'.repeat(5000)}1}`));
    expect(long.length).toBe(RUNTIME_TEXT_MAX);
    expect(long.endsWith('…')).toBe(true);
  });

  it('names the file, the runtime and the inputs', () => {
    expect(
      loadErrorLine('onnx/vision_encoder.onnx', 'onnxruntime-node (cpu)', new Error(NODE_OPSET)),
    ).toMatch(
      /^onnx\/vision_encoder\.onnx could not be loaded by onnxruntime-node \(cpu\): ONNX Runtime only/,
    );
    expect(
      runErrorLine(
        'onnx/vision_encoder.onnx',
        'onnxruntime-web (wasm)',
        'input pixel_values [1, 3, 1, 896]',
        new Error(WEB_RESHAPE),
      ),
    ).toMatch(
      /^onnx\/vision_encoder\.onnx failed in onnxruntime-web \(wasm\) on input pixel_values \[1, 3, 1, 896\]: input_shape_size/,
    );
  });
});
