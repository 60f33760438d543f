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

    // 1 for the owner plus 1 per call in flight; the session is released when it reaches 0.
    private int _references = 1;
    private int _disposed;

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
    }

    public string Engine => "onnxruntime";

    public int FeatureCount => _signature.FeatureCount;

    /// <summary>How the graph is fed and read.</summary>
    public OnnxSignature Signature => _signature;

    public float Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        }

        Enter();
        try
        {
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
        finally
        {
            Exit();
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

        Enter();
        try
        {
            RunBatch(rows, probabilities);
        }
        finally
        {
            Exit();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Exit();
        }
    }

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

    private void Enter()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(current == 0 || Volatile.Read(ref _disposed) != 0, this);
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return;
            }
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            (_pool as IDisposable)?.Dispose();
            _session.Dispose();
        }
    }

    private sealed class RunnerPolicy(InferenceSession session, OnnxSignature signature) : PooledObjectPolicy<OnnxRunner>
    {
        public override OnnxRunner Create() => new(session, signature);

        public override bool Return(OnnxRunner obj) => true;
    }
}
