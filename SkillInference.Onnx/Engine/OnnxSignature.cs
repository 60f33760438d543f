using SkillInference.Bundles;

namespace SkillInference.Onnx.Engine;

/// <summary>
/// How SkillInference feeds and reads an ONNX graph: the float input <c>[N, FeatureCount]</c> and the column of the
/// float output that holds the positive class's probability.
/// </summary>
/// <param name="InputName">The graph input that takes the feature tensor.</param>
/// <param name="FeatureCount">The input's width.</param>
/// <param name="SupportsBatch">Whether the input's first dimension is free (<c>N</c>), not fixed to 1.</param>
/// <param name="OutputName">The float tensor output holding class probabilities.</param>
/// <param name="OutputWidth">The output's columns per row.</param>
/// <param name="OutputRank">The output's rank: 2 (<c>[N, classes]</c>) or 1 (<c>[N]</c>, one probability per row).</param>
/// <param name="PositiveIndex">The output column of the positive class.</param>
internal sealed record OnnxSignature(string InputName, int FeatureCount, bool SupportsBatch, string OutputName, int OutputWidth, int OutputRank, int PositiveIndex)
{
    /// <summary>The manifest block that pins this signature.</summary>
    public OnnxSettings ToSettings() => new() { Input = InputName, Output = OutputName, PositiveIndex = PositiveIndex };
}
