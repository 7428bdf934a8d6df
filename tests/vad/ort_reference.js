// Reference Silero VAD probabilities from ONNX Runtime (onnxruntime-node),
// chunk by chunk with the state and context carried over exactly as the
// official wrapper does.
// Usage: node ort_reference.js ORT_MODULE_DIR MODEL.onnx AUDIO.f32 SAMPLE_RATE [--time]
// Prints one probability per line (or, with --time, the mean µs per chunk).
'use strict';
const fs = require('fs');
const [, , ortDir, modelPath, rawPath, srText, timeFlag] = process.argv;
const ort = require(ortDir);

(async () => {
  const sr = Number(srText);
  const session = await ort.InferenceSession.create(modelPath, {intraOpNumThreads: 1, interOpNumThreads: 1});
  const buf = fs.readFileSync(rawPath);
  const audio = new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4));
  const chunk = sr === 16000 ? 512 : 256;
  const ctx = sr === 16000 ? 64 : 32;
  let state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  let context = new Float32Array(ctx);
  const srTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(sr)]), []);
  const out = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i + chunk <= audio.length; i += chunk) {
    const input = new Float32Array(ctx + chunk);
    input.set(context, 0);
    input.set(audio.subarray(i, i + chunk), ctx);
    const r = await session.run({input: new ort.Tensor('float32', input, [1, ctx + chunk]), state, sr: srTensor});
    out.push(r.output.data[0]);
    state = r.stateN;
    context = input.slice(chunk);
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1000;
  if (timeFlag === '--time') {
    process.stdout.write(`${(elapsed / out.length).toFixed(2)}\n`);
  } else {
    process.stdout.write(out.map((p) => p.toPrecision(9)).join('\n') + '\n');
  }
})().catch((e) => {
  process.stderr.write(String(e) + '\n');
  process.exit(1);
});
