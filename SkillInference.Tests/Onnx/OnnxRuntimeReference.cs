using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkillInference.Bundles;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>
/// ONNX Runtime run directly on an onnx bundle's graph, set up independently of the code under test: a session with
/// ONNX Runtime's default options, the input and output named by the test (for a graph ML.NET's ConvertToOnnx wrote:
/// input <c>Features</c>, probability in column 0 of <c>Probability.output</c>), the scaler applied by the documented formula.
/// </summary>
internal sealed class OnnxRuntimeReference : IDisposable
{
    private readonly InferenceSession _session;
    private readonly BundleManifest _manifest;
    private readonly string _input;
    private readonly string _output;
    private readonly int _column;

    public OnnxRuntimeReference(ModelBundle bundle, string input = "Features", string output = "Probability.output", int column = 0)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _session = new InferenceSession(bundle.ModelBytes.ToArray());
        _manifest = bundle.Manifest;
        _input = input;
        _output = output;
        _column = column;
    }

    /// <summary>ONNX Runtime's probability for raw feature values in schema order (NaN = missing).</summary>
    public float PredictRaw(IReadOnlyList<double> raw)
    {
        var x = SampleRows.Scaled(_manifest, raw);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_input, new DenseTensor<float>(x, [1, x.Length]))], [_output]);
        return results[0].AsTensor<float>().GetValue(_column);
    }

    public void Dispose() => _session.Dispose();
}
