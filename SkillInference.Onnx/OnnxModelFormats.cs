using Microsoft.Extensions.Logging;
using SkillInference.Engines;
using SkillInference.Onnx.Engine;

namespace SkillInference.Onnx;

/// <summary>
/// The ONNX format handler for use without dependency injection (the CLI's registry). With dependency injection, call
/// <c>AddOnnx()</c> instead.
/// </summary>
internal static class OnnxModelFormats
{
    /// <summary>A new handler for <c>onnx</c> bundles, served on ONNX Runtime (or, for <c>ScoringEngine.Reference</c>, ML.NET's OnnxTransformer).</summary>
    /// <param name="loggerFactory">Where to log model loads, or null for nowhere.</param>
    public static IModelFormat Create(ILoggerFactory? loggerFactory = null) =>
        new OnnxModelFormat(loggerFactory?.CreateLogger<OnnxModelFormat>());
}
