using Microsoft.ML.OnnxRuntime;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// ONNX Runtime as its documentation recommends for low latency: one session, preallocated pinned input and output
/// <see cref="OrtValue"/>s bound once to the session (<see cref="OrtIoBinding"/>), so a call copies the row in and makes
/// one native call. Batches run as one <c>[n, features]</c> tensor over preallocated memory.
/// </summary>
internal sealed class OnnxBaseline : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly List<IDisposable> _owned = [];
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtIoBinding _single;

    /// <param name="model">The .onnx bytes.</param>
    /// <param name="threads">ONNX Runtime's intra-op threads: 1 for single rows (ENV.md), all cores for batches.</param>
    public OnnxBaseline(byte[] model, int threads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        InputName = _session.InputMetadata.Single().Key;
        FeatureCount = checked((int)_session.InputMetadata[InputName].Dimensions[^1]);

        // ML.NET's export has several outputs (PredictedLabel, Score, Probability); ours has one, "probability".
        OutputName = _session.OutputMetadata.Keys.FirstOrDefault(k => k.StartsWith("Probability", StringComparison.OrdinalIgnoreCase))
            ?? _session.OutputMetadata.Keys.First(k => k.Contains("probab", StringComparison.OrdinalIgnoreCase));
        var dims = _session.OutputMetadata[OutputName].Dimensions;
        OutputShape = dims.Length == 1 ? [1] : [1, Math.Max(1, dims[^1])];
        Width = (int)OutputShape[^1];

        _input = GC.AllocateArray<float>(FeatureCount, pinned: true);
        _output = GC.AllocateArray<float>(Width, pinned: true);
        var inputValue = Own(OrtValue.CreateTensorValueFromMemory(_input, [1, FeatureCount]));
        var outputValue = Own(OrtValue.CreateTensorValueFromMemory(_output, OutputShape));
        _single = Own(_session.CreateIoBinding());
        _single.BindInput(InputName, inputValue);
        _single.BindOutput(OutputName, outputValue);
    }

    public string InputName { get; }

    public string OutputName { get; }

    public int FeatureCount { get; }

    /// <summary>Values per row in the output (1 for <c>[N]</c> or <c>[N, 1]</c>; the probability is the last).</summary>
    public int Width { get; }

    private long[] OutputShape { get; }

    public float Predict(ReadOnlySpan<float> row)
    {
        row.CopyTo(_input);
        _session.RunWithBinding(_runOptions, _single);
        return _output[Width - 1];
    }

    /// <summary>A binding of <paramref name="rows"/> (the first <c>count</c> rows) to <paramref name="probabilities"/>, made once per batch size.</summary>
    public OrtIoBinding BindBatch(float[] rows, int count, float[] probabilities)
    {
        if (probabilities.Length < count * Width)
        {
            throw new ArgumentException($"Need {count * Width} output values.", nameof(probabilities));
        }

        var input = Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(rows, 0, count * FeatureCount), [count, FeatureCount]));
        long[] shape = OutputShape.Length == 1 ? [count] : [count, Width];
        var output = Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(probabilities, 0, count * Width), shape));
        var binding = Own(_session.CreateIoBinding());
        binding.BindInput(InputName, input);
        binding.BindOutput(OutputName, output);
        return binding;
    }

    public void Run(OrtIoBinding binding) => _session.RunWithBinding(_runOptions, binding);

    /// <summary>Scores rows in chunks of 4,096 (for verification), the probability of each.</summary>
    public float[] PredictAll(float[] rows, int count)
    {
        var result = new float[count];
        var chunk = 4096;
        var output = new float[chunk * Width];
        var buffer = new float[chunk * FeatureCount];
        for (var start = 0; start < count; start += chunk)
        {
            var n = Math.Min(chunk, count - start);
            Array.Copy(rows, (long)start * FeatureCount, buffer, 0, (long)n * FeatureCount);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(buffer, 0, n * FeatureCount), [n, FeatureCount]);
            long[] shape = OutputShape.Length == 1 ? [n] : [n, Width];
            using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(output, 0, n * Width), shape);
            _session.Run(_runOptions, [InputName], [input], [OutputName], [outputValue]);
            for (var i = 0; i < n; i++)
            {
                result[start + i] = output[(i * Width) + Width - 1];
            }
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}
