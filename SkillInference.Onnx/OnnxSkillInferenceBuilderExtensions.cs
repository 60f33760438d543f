using SkillInference;
using SkillInference.Onnx.Engine;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ONNX model format with SkillInference.</summary>
public static class OnnxSkillInferenceBuilderExtensions
{
    /// <summary>
    /// Serves <c>onnx</c> bundles on ONNX Runtime (one thread per session; requests run in parallel), beside the built-in
    /// <c>mlnet</c> and <c>xgboost-json</c> formats; with <c>ScoringEngine.Reference</c>, through ML.NET's OnnxTransformer.
    /// Explanations are not available for ONNX models.
    /// </summary>
    public static SkillInferenceBuilder AddOnnx(this SkillInferenceBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddModelFormat<OnnxModelFormat>();
    }
}
