using System.Text.Json.Serialization;

namespace SkillInference.Bundles;

/// <summary>
/// How an <c>onnx</c> bundle's graph is read: which input takes the feature tensor, which output holds the
/// probabilities, and which column of it is the positive ("high skill") class. Written by the ONNX import; optional:
/// when absent, the ONNX format uses the graph's only input and the first tensor output whose name contains "prob".
/// </summary>
public sealed record OnnxSettings
{
    /// <summary>The name of the graph input that takes the <c>[N, features]</c> float tensor, or null for the only input.</summary>
    [JsonPropertyName("input")]
    public string? Input { get; init; }

    /// <summary>The name of the float tensor output holding class probabilities, or null to find one whose name contains "prob".</summary>
    [JsonPropertyName("output")]
    public string? Output { get; init; }

    /// <summary>
    /// The column of <see cref="Output"/> that is the positive class's probability, or null for the default: column 1 of
    /// a two-column output, column 0 of a one-column output.
    /// </summary>
    [JsonPropertyName("positiveIndex")]
    public int? PositiveIndex { get; init; }
}
