// ONNX Runtime check (ctest: ort_check). Reads a folder written by `dcz-eval --dump-outputs`:
//   inputs.npy (float32 [N, ...]), labels.npy (int64 [N]), model_<i>.onnx, opencv_<i>.npy
// and asserts, for every model i:
//   1. ONNX Runtime's outputs equal OpenCV's (opencv_<i>.npy) within --tol (max |diff|);
//   2. for models 1..--ref-models (default: all), ONNX Runtime's outputs equal the reference
//      model's (model_0, run in ONNX Runtime too) within --ref-tol, when given (a losslessly
//      decoded model must match its original; a pruned/quantized one is only checked by 1).
// Prints one line per model; exit 0 when all pass, 1 on a failed assertion, 2 on bad input.
//
//   node check.mjs DIR [--tol 1e-4] [--ref-tol 0 [--ref-models N]]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function fail(code, message) {
  console.error(`ort_check: error: ${message}`);
  process.exit(code);
}

// Minimal .npy reader for what dcz-eval writes: version 1.0, little-endian <f4 or <i8, C order.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') {
    fail(2, `${file}: not a .npy file`);
  }
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined || !/'fortran_order':\s*False/.test(header)) {
    fail(2, `${file}: unsupported .npy header ${header.trim()}`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 10 + headerLen;
  const bytes = buf.subarray(start);
  const aligned = new Uint8Array(bytes).buffer;  // copy: typed arrays need alignment
  let data;
  if (descr === '<f4') data = new Float32Array(aligned);
  else if (descr === '<i8') data = new BigInt64Array(aligned);
  else fail(2, `${file}: dtype ${descr} is not <f4 or <i8`);
  if (data.length !== count) fail(2, `${file}: ${data.length} values for shape (${shape})`);
  return { shape, data };
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; ++i) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d;  // NaN propagates as a failure
  }
  return m;
}

function argmaxRows(values, classes) {
  const out = [];
  for (let r = 0; r * classes < values.length; ++r) {
    let best = 0;
    for (let j = 1; j < classes; ++j) if (values[r * classes + j] > values[r * classes + best]) best = j;
    out.push(best);
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 1) fail(2, 'usage: node check.mjs DIR [--tol T] [--ref-tol T]');
  const dir = args[0];
  let tol = 1e-4;
  let refTol = null;
  let refModels = Infinity;
  for (let i = 1; i < args.length; i += 2) {
    if (args[i] === '--tol') tol = Number(args[i + 1]);
    else if (args[i] === '--ref-tol') refTol = Number(args[i + 1]);
    else if (args[i] === '--ref-models') refModels = Number(args[i + 1]);
    else fail(2, `unknown option ${args[i]}`);
  }
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    fail(2, `onnxruntime-node is not installed (run scripts/setup-ort): ${e.message}`);
  }
  const inputs = readNpy(path.join(dir, 'inputs.npy'));
  const labels = readNpy(path.join(dir, 'labels.npy'));
  const models = fs.readdirSync(dir).filter((f) => /^model_\d+\.onnx$/.test(f))
    .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0]));
  if (models.length === 0) fail(2, `${dir}: no model_<i>.onnx`);

  let failed = false;
  let reference = null;
  for (const file of models) {
    const i = file.match(/\d+/)[0];
    const session = await ort.InferenceSession.create(path.join(dir, file), { intraOpNumThreads: 1 });
    const feed = { [session.inputNames[0]]: new ort.Tensor('float32', inputs.data, inputs.shape) };
    const result = await session.run(feed);
    const out = result[session.outputNames[0]].data;
    const opencv = readNpy(path.join(dir, `opencv_${i}.npy`));
    const classes = opencv.shape[1];
    const dOpenCv = maxAbsDiff(out, opencv.data);
    const top1 = argmaxRows(out, classes);
    let correct = 0;
    top1.forEach((c, r) => { if (BigInt(c) === labels.data[r]) ++correct; });
    let line = `${file}: ${top1.length} samples, ORT top-1 ${correct}/${top1.length}, ` +
      `max |ORT - OpenCV| = ${dOpenCv.toExponential(3)} (tol ${tol})`;
    if (!(dOpenCv <= tol)) failed = true;
    if (reference === null) {
      reference = out;
    } else if (refTol !== null && Number(i) <= refModels) {
      const dRef = maxAbsDiff(out, reference);
      line += `, max |ORT - reference| = ${dRef.toExponential(3)} (tol ${refTol})`;
      if (!(dRef <= refTol)) failed = true;
    }
    console.log(line);
  }
  if (failed) fail(1, 'outputs differ beyond the tolerance');
}

main().catch((e) => fail(2, e.stack || String(e)));
