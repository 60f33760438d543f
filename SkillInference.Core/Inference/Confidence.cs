namespace SkillInference.Inference;

/// <summary>How decisive a prediction is. See docs/models.md.</summary>
internal static class Confidence
{
    /// <summary>
    /// <c>|2p - 1| * (1 - imputedImportance)</c>: 0 at p = 0.5 or when every important feature was imputed, 1 at
    /// p = 0 or 1 with every feature supplied.
    /// </summary>
    /// <param name="probability">The predicted probability, in [0, 1].</param>
    /// <param name="imputedImportance">The share of the model's gain importance on imputed features, in [0, 1].</param>
    public static double Compute(double probability, double imputedImportance) =>
        Math.Clamp(Math.Abs((2 * probability) - 1) * (1 - Math.Clamp(imputedImportance, 0, 1)), 0, 1);
}
