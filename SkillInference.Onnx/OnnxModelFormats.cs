using Microsoft.Extensions.Logging;
using SkillInference.Engines;
using SkillInference.Onnx.Engine;

namespace SkillInference.Onnx;

/// <summary>
/// The ONNX format handler for use without dependency injection, e.g.
/// <c>new ModelRegistry(store, formats: [.. BuiltInModelFormats.Create(), OnnxModelFormats.Create()])</c>.
/// With dependency injection, call <c>AddOnnx()</c> instead.
/// </summary>
public static class OnnxModelFormats
{
    /// <summary>A new handler for <c>onnx</c> bundles, served on ONNX Runtime (or, for <c>ScoringEngine.Reference</c>, ML.NET's OnnxTransformer).</summary>
    /// <param name="loggerFactory">Where to log model loads, or null for nowhere.</param>
    public static IModelFormat Create(ILoggerFactory? loggerFactory = null) =>
        new OnnxModelFormat(loggerFactory?.CreateLogger<OnnxModelFormat>());

    /// <summary>New handlers for every built-in format (<see cref="BuiltInModelFormats"/>) and <c>onnx</c>.</summary>
    /// <param name="loggerFactory">Where the ONNX handler logs model loads, or null for nowhere.</param>
    public static IReadOnlyList<IModelFormat> CreateWithBuiltIn(ILoggerFactory? loggerFactory = null) =>
        [.. BuiltInModelFormats.Create(), Create(loggerFactory)];
}
