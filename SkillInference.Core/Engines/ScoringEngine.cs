namespace SkillInference.Engines;

/// <summary>
/// Which engine scores a bundle. Per format: <c>mlnet</c> FastTree — compiled (Auto) or ML.NET's PredictionEngine
/// (Reference); other <c>mlnet</c> models — ML.NET only; <c>onnx</c> — ONNX Runtime (Auto, Compiled) or ML.NET's
/// OnnxTransformer (Reference); <c>xgboost-json</c> — compiled only (Reference is refused).
/// </summary>
public enum ScoringEngine
{
    /// <summary>The fastest engine available for the format.</summary>
    Auto,

    /// <summary>
    /// ML.NET, the reference for every format it reads: its pooled PredictionEngine for <c>mlnet</c> bundles, its
    /// OnnxTransformer for <c>onnx</c> bundles (with the SkillInference.Onnx package). Cannot explain predictions.
    /// <c>xgboost-json</c> bundles, which ML.NET cannot read, are refused with a <see cref="Bundles.BundleValidationException"/>.
    /// </summary>
    Reference,

    /// <summary>
    /// The compiled flat-array tree-ensemble evaluator (<c>mlnet</c> FastTree, <c>xgboost-json</c>); other <c>mlnet</c>
    /// models are refused. <c>onnx</c> bundles run on ONNX Runtime, as with <see cref="Auto"/>.
    /// </summary>
    Compiled,
}
