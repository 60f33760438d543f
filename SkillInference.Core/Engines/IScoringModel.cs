namespace SkillInference.Engines;

/// <summary>
/// A loaded model that turns prepared feature vectors (imputed, ordered, scaled) into probabilities of the
/// "high skill" class. Implementations are thread-safe.
/// </summary>
public interface IScoringModel : IDisposable
{
    /// <summary>The engine's name, e.g. <c>mlnet</c>, <c>compiled-trees</c> or <c>onnxruntime</c>.</summary>
    string Engine { get; }

    /// <summary>The number of features a row has.</summary>
    int FeatureCount { get; }

    /// <summary>Scores one row of <see cref="FeatureCount"/> values.</summary>
    float Predict(ReadOnlySpan<float> features);

    /// <summary>Scores consecutive rows: <paramref name="rows"/> holds <c>probabilities.Length * FeatureCount</c> values, row-major.</summary>
    void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities);
}
