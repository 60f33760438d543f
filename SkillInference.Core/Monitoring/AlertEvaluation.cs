namespace SkillInference.Monitoring;

/// <summary>One evaluation of an alert rule for one kind, skill and version.</summary>
/// <param name="Kind">The alert kind.</param>
/// <param name="Skill">The skill.</param>
/// <param name="ModelVersion">The model version (empty when none).</param>
/// <param name="Outcome">Breached, healthy, or not judged (too little data: an open alert stays as it is).</param>
/// <param name="Value">The measured value.</param>
/// <param name="Threshold">The threshold.</param>
/// <param name="Summary">One human sentence, with the value and the threshold.</param>
/// <param name="N">The sample behind the value.</param>
/// <param name="CiLow">The interval's lower end (correlation).</param>
/// <param name="CiHigh">The interval's upper end (correlation).</param>
internal sealed record AlertEvaluation(
    string Kind,
    string Skill,
    string ModelVersion,
    AlertOutcome Outcome,
    double? Value,
    double Threshold,
    string Summary,
    int? N = null,
    double? CiLow = null,
    double? CiHigh = null);
