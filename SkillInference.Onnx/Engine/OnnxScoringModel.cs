using Microsoft.Extensions.ObjectPool;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkillInference.Engines;

namespace SkillInference.Onnx.Engine;

/// <summary>
/// Scores with an ONNX Runtime session. Single rows go through pooled <see cref="OnnxRunner"/>s (preallocated, pinned
/// OrtValues bound to the session: nothing is allocated per call); a batch runs as one <c>[n, features]</c> tensor over
/// the caller's memory. The session is thread-safe; the runners are per call. Dispose waits for in-flight calls: the
/// session is released when the last one returns.
/// </summary>
internal sealed class OnnxScoringModel : IScoringModel
{
    private readonly InferenceSession _session;
    private readonly OnnxSignature _signature;
    private readonly ObjectPool<OnnxRunner> _pool;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly InFlightCalls _calls;

    /// <summary>Takes ownership of <paramref name="session"/>.</summary>
    public OnnxScoringModel(InferenceSession session, OnnxSignature signature)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(signature);
        _session = session;
        _signature = signature;
        _inputNames = [signature.InputName];
        _outputNames = [signature.OutputName];

        // T is IDisposable, so the provider's pool disposes runners it drops and, when disposed, those it holds.
        _pool = new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 2 }.Create(new RunnerPolicy(session, signature));
        _calls = new InFlightCalls(this, () =>
        {
            (_pool as IDisposable)?.Dispose();
            _session.Dispose();
        });
    }

    public const string EngineName = "onnxruntime";

    public string Engine => EngineName;

    public int FeatureCount => _signature.FeatureCount;

    /// <summary>How the graph is fed and read.</summary>
    public OnnxSignature Signature => _signature;

    public float Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        }

        using var call = _calls.Enter();
        var runner = _pool.Get();
        try
        {
            features.CopyTo(runner.Input);
            _session.RunWithBinding(runner.RunOptions, runner.Binding);
            return runner.Output[_signature.PositiveIndex];
        }
        finally
        {
            _pool.Return(runner);
        }
    }

    public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        if (rows.Length != probabilities.Length * FeatureCount)
        {
            throw new ArgumentException($"Expected {probabilities.Length} rows of {FeatureCount} features.", nameof(rows));
        }

        if (probabilities.IsEmpty)
        {
            return;
        }

        if (!_signature.SupportsBatch)
        {
            // The graph's first dimension is fixed to 1: row by row.
            for (var i = 0; i < probabilities.Length; i++)
            {
                probabilities[i] = Predict(rows.Slice(i * FeatureCount, FeatureCount));
            }

            return;
        }

        using var call = _calls.Enter();
        RunBatch(rows, probabilities);
    }

    public void Dispose() => _calls.Dispose();

    private unsafe void RunBatch(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        var n = probabilities.Length;
        fixed (float* data = rows)
        {
            // ONNX Runtime only reads the input: a tensor over the caller's rows, no copy.
            using var input = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [n, FeatureCount], (IntPtr)data, (long)rows.Length * sizeof(float));
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, _inputNames, [input], _outputNames);
            var values = outputs[0].GetTensorDataAsSpan<float>();
            var width = _signature.OutputWidth;
            if (values.Length != n * width)
            {
                throw new InvalidOperationException($"The ONNX model returned {values.Length} values for {n} rows; expected {n * width}.");
            }

            for (var i = 0; i < n; i++)
            {
                probabilities[i] = values[(i * width) + _signature.PositiveIndex];
            }
        }
    }

    private sealed class RunnerPolicy(InferenceSession session, OnnxSignature signature) : PooledObjectPolicy<OnnxRunner>
    {
        public override OnnxRunner Create() => new(session, signature);

        public override bool Return(OnnxRunner obj) => true;
    }
}
