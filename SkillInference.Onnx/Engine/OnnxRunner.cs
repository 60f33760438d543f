using Microsoft.ML.OnnxRuntime;

namespace SkillInference.Onnx.Engine;

/// <summary>
/// What one thread needs to score a single row without allocating: a pinned input row and output row, the OrtValues
/// over them, and an I/O binding of both to the session, so a run is one native call. Not thread-safe: pooled.
/// </summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;

    public OnnxRunner(InferenceSession session, OnnxSignature signature)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(signature);

        // Pinned for the runner's lifetime: ONNX Runtime reads and writes them in place on every run.
        Input = GC.AllocateArray<float>(signature.FeatureCount, pinned: true);
        Output = GC.AllocateArray<float>(signature.OutputWidth, pinned: true);
        long[] outputShape = signature.OutputRank == 1 ? [1] : [1, signature.OutputWidth];
        _inputValue = OrtValue.CreateTensorValueFromMemory(Input, [1, signature.FeatureCount]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(Output, outputShape);
        RunOptions = new RunOptions();
        Binding = session.CreateIoBinding();
        Binding.BindInput(signature.InputName, _inputValue);
        Binding.BindOutput(signature.OutputName, _outputValue);
    }

    /// <summary>The input row, read by the next run.</summary>
    public float[] Input { get; }

    /// <summary>The output row, written by each run.</summary>
    public float[] Output { get; }

    public OrtIoBinding Binding { get; }

    public RunOptions RunOptions { get; }

    public void Dispose()
    {
        Binding.Dispose();
        RunOptions.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
    }
}
